/**
 * How the CLI logs in: `-u USER` with WAARP_GATEWAY_PASSWORD or a prompt that does not echo, the
 * user in the address, and clear errors for an address whose password was not percent-encoded.
 * Passwords go in the environment or on the terminal, never on a command line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from '../admin/harness.js';
import { startHarness } from '../admin/harness.js';
import type { CliResult } from './helpers.js';
import { cliPath, runCli } from './helpers.js';

/** Every character that breaks a URL's user part, and a percent sign. */
const oddPassword = 'p@ss:w/rd#1%?';

describe('waarp-gateway logging in', () => {
  let h: AdminHarness;
  let host: string;

  before(async () => {
    h = await startHarness();
    host = h.url.replace(/\/$/, '');
    const created = await h.call('POST', '/api/users', {
      username: 'odd',
      password: oddPassword,
      perms: { servers: 'r--' },
    });
    assert.equal(created.status, 201);
  });
  after(async () => {
    await h.close();
  });

  const listServers = (args: string[], env: Record<string, string>): Promise<CliResult> =>
    runCli([...args, '--format', 'json', 'server', 'list'], env);

  it('-u USER with the password in WAARP_GATEWAY_PASSWORD, as typed (no encoding)', async () => {
    const r = await listServers(['-a', host, '-u', 'odd'], { WAARP_GATEWAY_PASSWORD: oddPassword });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { servers: [] });
    const wrong = await listServers(['-a', host, '-u', 'odd'], { WAARP_GATEWAY_PASSWORD: 'nope' });
    assert.equal(wrong.code, 6);
  });

  it('the user written in the address, the password from WAARP_GATEWAY_PASSWORD', async () => {
    const address = host.replace('://', '://odd@');
    const r = await listServers([], { WAARP_GATEWAY_ADDRESS: address, WAARP_GATEWAY_PASSWORD: oddPassword });
    assert.equal(r.code, 0, r.stderr);
  });

  it('the address with the password percent-encoded still works', async () => {
    const address = host.replace('://', `://odd:${encodeURIComponent(oddPassword)}@`);
    const r = await listServers([], { WAARP_GATEWAY_ADDRESS: address });
    assert.equal(r.code, 0, r.stderr);
  });

  it('an address with the password not encoded: exit 2, says how, never echoes the password', async () => {
    const r = await listServers([], { WAARP_GATEWAY_ADDRESS: host.replace('://', `://odd:${oddPassword}@`) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /percent-encoded.*-u USER/);
    assert.equal(r.stderr.includes('w/rd'), false, r.stderr);
  });

  it('no password and no terminal to ask on: exit 2 naming WAARP_GATEWAY_PASSWORD', async () => {
    const r = await listServers(['-a', host, '-u', 'odd'], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no password for "odd": set WAARP_GATEWAY_PASSWORD/);
    const nobody = await listServers(['-a', host], {});
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no user to log in as: give -u USER/);
  });

  it('asks for the password on a terminal and does not echo it', async () => {
    // `script` gives the CLI a terminal; the password is typed only once the prompt is shown.
    const command = `'${process.execPath}' '${cliPath}' -a ${host} -u odd --format json server list`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let typed = false;
    const onOutput = (d: Buffer): void => {
      screen += d.toString();
      if (!typed && screen.includes('Password of odd at ')) {
        typed = true;
        child.stdin.write(`${oddPassword}\r`);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, screen);
    assert.ok(typed, `no prompt: ${screen}`);
    assert.equal(screen.includes(oddPassword), false, `the password was echoed: ${screen}`);
    assert.match(screen, /"servers":\s*\[\]/);
  });
});
