/**
 * Connections that have not logged in are bounded, as OpenSSH bounds them: each has
 * `[security] LoginGraceTime` to authenticate, at most `PerSourceMaxStartups` of them come from
 * one address (exempt addresses aside) and `MaxStartups` from all together on a node. A refused
 * client is told why; a logged-in session is not concerned.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import { freePort } from '../../support/sshd.js';
import type { SftpClient } from './client.js';
import { connect, p } from './client.js';
import { eventually } from './harness.js';
import { declareLocalAccount, sftpServer } from '../../support/declare.js';

interface Silent {
  readonly socket: Socket;
  /** What the server sent, as text. */
  received(): string;
  readonly closed: Promise<number>;
}

/**
 * A TCP connection from `from` that sends nothing (or only its SSH version line); `halfOpen`:
 * it does not close its side when the server closes its own.
 */
function silent(port: number, from: string, ident = false, halfOpen = false): Promise<Silent> {
  return new Promise((resolve, reject) => {
    let got = '';
    const opened = Date.now();
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress: from, allowHalfOpen: halfOpen });
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (ident) socket.write('SSH-2.0-silent\r\n');
      resolve({ socket, received: () => got, closed });
    });
    socket.once('error', reject);
  });
}

/** Waits until the server has sent its version line, or has closed the connection. */
async function answer(c: Silent): Promise<string> {
  await Promise.race([eventually(() => c.received().includes('\n')), c.closed]);
  return c.received();
}

describe('unauthenticated connections', { timeout: 60_000 }, () => {
  let g: StartedGateway;
  let port: number;
  const held: Silent[] = [];

  before(async () => {
    g = await startGateway({
      ini: {
        security: {
          LoginGraceTime: '3s',
          PerSourceMaxStartups: '2',
          MaxStartups: '5',
          ExemptAddresses: '127.0.0.9',
        },
      },
    });
    port = await freePort();
    const { stores } = g.node.ctx;
    const server = await stores.servers.create(sftpServer('sftp', `127.0.0.1:${port}`));
    await declareLocalAccount(stores, server.id, 'alice', { password: 'secret' });
    await eventually(() => g.node.sftpListeners().some((l) => l.port === port));
  });

  after(async () => {
    for (const c of held) c.socket.destroy();
    await g?.stop();
  });

  it('closes a connection that does not log in within LoginGraceTime', async () => {
    const mute = await silent(port, '127.0.0.2');
    const talking = await silent(port, '127.0.0.2', true);
    const [muteMs, talkingMs] = await Promise.all([
      Promise.race([mute.closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]),
      Promise.race([talking.closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]),
    ]);
    assert.ok(muteMs >= 2900, `a silent connection lasted ${muteMs} ms (-1: still open after 15 s)`);
    assert.ok(talkingMs >= 2900, `a connection stuck after its version line lasted ${talkingMs} ms`);
  });

  it('leaves a logged-in session alone', async () => {
    const c: SftpClient = await connect(port, { username: 'alice', password: 'secret' });
    try {
      await new Promise((r) => setTimeout(r, 3500));
      assert.ok(Array.isArray(await p.readdir(c.sftp, '/')), 'still usable after the grace time');
    } finally {
      await c.end();
    }
  });

  it('refuses a third unauthenticated connection from one address, telling it why', async () => {
    held.push(await silent(port, '127.0.0.3'), await silent(port, '127.0.0.3'));
    for (const c of held) assert.match(await answer(c), /^SSH-2\.0-/);
    const third = await silent(port, '127.0.0.3');
    await third.closed;
    assert.match(third.received(), /too many unauthenticated connections from this address/);
    // Another address, and an exempt one, are not concerned.
    const other = await silent(port, '127.0.0.4');
    held.push(other);
    assert.match(await answer(other), /^SSH-2\.0-/);
    for (let i = 0; i < 2; i++) {
      const exempt = await silent(port, '127.0.0.9');
      held.push(exempt);
      assert.match(await answer(exempt), /^SSH-2\.0-/);
    }
  });

  it('refuses connections beyond MaxStartups on the node, from any address', async () => {
    // Five are waiting to log in (two from .3, one from .4, two from .9): the sixth is refused.
    const sixth = await silent(port, '127.0.0.6');
    await sixth.closed;
    assert.match(sixth.received(), /too many unauthenticated connections on this server/);
    // Once they are gone (the grace time ends them), connections are served again.
    await Promise.all(held.map((c) => c.closed));
    const after = await connect(port, { username: 'alice', password: 'secret' });
    await after.end();
  });

  it('does not count banned clients, while they are told so, against MaxStartups', async () => {
    const policy = { maxFailures: 1, windowMs: 60_000, banMs: 60_000 };
    await g.node.ctx.stores.bans.recordFailure('127.0.0.7', 'sftp', Date.now(), policy);
    // Clients that keep their side open: the refusal lingers (so that they read it) for a while.
    const banned: Silent[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await silent(port, '127.0.0.7', false, true);
      await eventually(() => /banned for \d+ s/.test(c.received()));
      banned.push(c);
    }
    const other = await silent(port, '127.0.0.8');
    assert.match(await answer(other), /^SSH-2\.0-/);
    other.socket.destroy();
    for (const c of banned) c.socket.destroy();
  });
});
