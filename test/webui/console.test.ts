/**
 * The web console in a real browser (Debian's chromium, driven by playwright-core) on two
 * gateway processes sharing one MariaDB database, behind a real HAProxy running the generated
 * configuration (round robin on the admin port, the SFTP port passed through). Every page is
 * loaded through HAProxy, so consecutive requests land on different nodes: the session lives in
 * the database, not in a node. Screenshots of the main pages are taken on every run, into a
 * temporary folder; WAARP_WEBUI_SCREENSHOTS=docs/webui refreshes the documentation's (a run
 * must not leave the checkout changed).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { StartedBrowser } from '../support/browser.js';
import { launchBrowser } from '../support/browser.js';
import type { StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import { eventually, repoRoot } from '../support/compose.js';
import { startSshd } from '../support/sshd.js';
import { clusterStores, plannedPush, setupPartner } from '../nodes/helpers.js';
import { writeRandomFile } from '../support/files.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import type { StartedHaproxy } from './haproxy.js';
import { startHaproxy } from './haproxy.js';

const shotsDir = process.env.WAARP_WEBUI_SCREENSHOTS;
const shots =
  shotsDir === undefined ? join(tmpdir(), 'waarp-webui-screenshots') : resolve(repoRoot, shotsDir);
const MiB = 1 << 20;
const partnerPassword = 'partner-password-0123';
const watcherPassword = 'watcher-password-0123';

describe('web console in chromium, through HAProxy, on two nodes', { timeout: 600_000 }, () => {
  let cluster: StartedCluster;
  let lb: StartedHaproxy;
  let browser: StartedBrowser;
  let admin: BrowserContext;
  let page: Page;
  let work: string;
  let base: string;

  /** The REST API through the load balancer, as the admin (HTTP Basic). */
  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(base + path, {
      ...init,
      headers: {
        authorization: 'Basic ' + Buffer.from(`admin:${cluster.adminPassword}`).toString('base64'),
        'content-type': 'application/json',
        ...init.headers,
      },
    });

  async function logIn(p: Page, username: string, password: string): Promise<void> {
    await p.goto(`${base}/webui/login`);
    await p.getByLabel('User name').fill(username);
    await p.getByLabel('Password').fill(password);
    await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: 'Log in' }).click()]);
  }

  async function shot(p: Page, name: string): Promise<void> {
    await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }

  before(async () => {
    mkdirSync(shots, { recursive: true });
    work = await makeTempDir('webui');
    cluster = await startCluster({
      nodes: 2,
      ini: {
        // HAProxy's X-Forwarded-For is believed, so a test browser can stand for another address.
        admin: { TrustedProxies: '127.0.0.1/32' },
        security: { MaxLoginFailures: '3', ExemptAddresses: '' },
        // Lenient liveness: on a loaded 2-core machine a node must not be taken for dead (its
        // leases taken over) mid-test; takeover has its own tier (test:nodes).
        cluster: { HeartbeatInterval: '1s', NodeTimeout: '15s' },
      },
    });
    lb = await startHaproxy(cluster);
    base = `http://${cluster.publicAdmin}`;
    browser = await launchBrowser();
    admin = await browser.newContext();
    page = await admin.newPage();
  });

  after(async () => {
    await browser?.close();
    await lb?.stop();
    await cluster?.stop();
    if (work !== undefined) await removeTempDir(work);
  });

  it('a wrong password shows an error and counts towards the ban of the address', async () => {
    const stranger = await browser.browser.newContext({
      extraHTTPHeaders: { 'X-Forwarded-For': '192.0.2.7' },
    });
    try {
      const p = await stranger.newPage();
      await p.goto(`${base}/webui/`);
      assert.match(p.url(), /\/webui\/login$/, 'an anonymous visit lands on the login page');
      await shot(p, 'login');
      for (let i = 1; i <= 2; i++) {
        await logInExpectingError(p, 'admin', 'not-the-password');
        assert.equal(await p.getByRole('alert').textContent(), 'invalid user name or password');
      }
      await logInExpectingError(p, 'admin', 'not-the-password');
      assert.match(
        (await p.getByRole('alert').textContent()) ?? '',
        /^too many failed logins from this address: banned for \d+ s$/,
      );
      // The right password no longer helps from there, and the ban is the cluster's (REST too).
      await logInExpectingError(p, 'admin', cluster.adminPassword);
      assert.match((await p.getByRole('alert').textContent()) ?? '', /banned/);
      const rest = await api('/api/about', { headers: { 'X-Forwarded-For': '192.0.2.7' } });
      assert.equal(rest.status, 429);
    } finally {
      await stranger.close();
    }
    async function logInExpectingError(p: Page, username: string, password: string): Promise<void> {
      await p.getByLabel('User name').fill(username);
      await p.getByLabel('Password').fill(password);
      await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: 'Log in' }).click()]);
      assert.match(p.url(), /\/webui\/login$/);
    }
  });

  it('logs in and stays logged in over ten pages served by both nodes', async () => {
    const before = await lb.served('be_admin');
    await logIn(page, 'admin', cluster.adminPassword);
    assert.equal(new URL(page.url()).pathname, '/webui/');
    const pages = [
      '/webui/',
      '/webui/transfers',
      '/webui/history',
      '/webui/servers',
      '/webui/partners',
      '/webui/rules',
      '/webui/users',
      '/webui/account',
      '/webui/users/admin',
      '/webui/',
    ];
    const nodes = new Set<string>();
    for (const path of pages) {
      const res = await page.goto(base + path);
      assert.equal(res?.status(), 200, path);
      assert.equal(new URL(page.url()).pathname, path, `${path}: still logged in`);
      const node = res?.headers()['x-gateway-node'] ?? '';
      assert.equal(await page.locator('#served-by').textContent(), node, path);
      nodes.add(node);
    }
    assert.deepEqual([...nodes].sort(), ['node1', 'node2'], 'HAProxy spread the pages over both nodes');
    const after = await lb.served('be_admin');
    for (const n of ['node1', 'node2']) {
      assert.ok((after.get(n) ?? 0) > (before.get(n) ?? 0), `HAProxy counted requests to ${n}`);
    }
    await page.goto(`${base}/webui/`);
    await shot(page, 'cluster');
    // Readable on a phone: at 375 px nothing is wider than the screen (tables scroll in their box).
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      for (const path of ['/webui/', '/webui/transfers', '/webui/servers', '/webui/history']) {
        await page.goto(base + path);
        assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 375, path);
      }
      await shot(page, 'narrow');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('creates a server, a local account and a rule through the forms', async () => {
    await page.goto(`${base}/webui/servers`);
    await page.getByLabel('Name').fill('console-sftp');
    await page.locator('#new-server-protocol').selectOption('sftp');
    await page.locator('#new-server-address').fill(cluster.publicSftp);
    await shot(page, 'new-server');
    await Promise.all([
      page.waitForURL(/\/webui\/servers\/console-sftp$/),
      page.getByRole('button', { name: 'Create the server' }).click(),
    ]);

    await page.locator('#new-account-login').fill('partner');
    await page.locator('#new-account-password').fill(partnerPassword);
    await Promise.all([
      page.waitForURL(/\/webui\/servers\/console-sftp\/accounts\/partner$/),
      page.getByRole('button', { name: 'Create the account' }).click(),
    ]);

    await page.goto(`${base}/webui/rules`);
    await page.locator('#new-rule-name').fill('inbox');
    await page.locator('#new-rule-path').fill('inbox');
    await Promise.all([
      page.waitForURL(/\/webui\/rules\/inbox\//),
      page.getByRole('button', { name: 'Create the rule' }).click(),
    ]);

    // What the forms sent is what the API holds.
    const server = (await (await api('/api/servers/console-sftp')).json()) as {
      protocol: string;
      address: string;
    };
    assert.equal(server.protocol, 'sftp');
    assert.equal(server.address, cluster.publicSftp);
    const account = await api('/api/servers/console-sftp/accounts/partner');
    assert.equal(account.status, 200);
    const rule = (await (await api('/api/rules/inbox/receive')).json()) as { path: string; isSend: boolean };
    assert.equal(rule.isSend, false);
  });

  it('shows an SFTP upload in the running list live, without a reload, until DONE', async () => {
    await page.goto(`${base}/webui/transfers`);
    await page.evaluate('window.marker = 1');
    const file = join(work, 'live.bin');
    await writeRandomFile(file, 12 * MiB);
    // Through HAProxy's SFTP port, limited to 16 Mbit/s: about six seconds.
    const upload = sftpPut(cluster.publicSftp, 'partner', partnerPassword, file, 'inbox/live.bin', 16_000);
    const row = page.locator('#running tr', { hasText: 'live.bin' });
    const early = upload.then((r) => {
      throw new Error(`the upload ended before its row showed: ${r.code} ${r.stderr}`);
    });
    await Promise.race([row.waitFor({ timeout: 30_000 }), early]);
    early.catch(() => undefined);
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await row.getAttribute('data-status')) ?? '';
      // The bytes received so far (an upload's size is unknown until it ends).
      const value = await row.locator('td.num small').first().textContent();
      if (status === 'RUNNING' && value !== null && value !== '0 B') seen.add(value);
      if (seen.size === 2) await shot(page, 'transfers');
      if (status === 'DONE') break;
      await page.waitForTimeout(250);
    }
    const result = await upload;
    const logs = (): string =>
      cluster.nodes.map((n) => `--- ${n.name}\n${n.output().slice(-3000)}`).join('\n');
    assert.equal(result.code, 0, `${result.stderr}\n${logs()}`);
    assert.equal(status, 'DONE', 'the row ends DONE');
    assert.ok(seen.size >= 2, `the progress moved while running (seen: ${[...seen].join(', ')})`);
    assert.equal(await page.evaluate('window.marker'), 1, 'no reload');
  });

  it('shows a read-only user no action button, and the API refuses the forced action (403)', async () => {
    const created = await api('/api/users', {
      method: 'POST',
      body: JSON.stringify({
        username: 'watcher',
        password: watcherPassword,
        perms: { transfers: 'r--', servers: 'r--', rules: 'r--', partners: 'r--' },
      }),
    });
    assert.equal(created.status, 201, await created.text());
    const ctx = await browser.newContext();
    try {
      const p = await ctx.newPage();
      await logIn(p, 'watcher', watcherPassword);
      for (const path of [
        '/webui/servers',
        '/webui/servers/console-sftp',
        '/webui/rules',
        '/webui/transfers',
      ]) {
        await p.goto(base + path);
        assert.equal(await p.locator('button[data-api-method], form[data-api-method]').count(), 0, path);
      }
      assert.equal(
        await p.getByRole('link', { name: 'Users' }).count(),
        0,
        'no link to a page it may not see',
      );
      assert.equal((await p.goto(`${base}/webui/users`))?.status(), 403);
      await p.goto(`${base}/webui/servers/console-sftp`);
      await shot(p, 'read-only');
      // What the hidden button would send: the API's own check answers.
      const forced = await p.evaluate<{ status: number; body: string }>(`(async () => {
        const token = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
        const r = await fetch('/api/servers/console-sftp/disable', {
          method: 'PUT',
          headers: { 'X-CSRF-Token': token, Accept: 'application/json' },
        });
        return { status: r.status, body: await r.text() };
      })()`);
      assert.equal(forced.status, 403, forced.body);
      const err = JSON.parse(forced.body) as { error: { code: string; message: string } };
      assert.equal(err.error.code, 'E_FORBIDDEN');
      assert.match(err.error.message, /"write" permission on "servers" is required/);
    } finally {
      await ctx.close();
    }
  });

  it('refuses a cross-origin form POST, even one carrying the right CSRF token', async () => {
    await page.goto(`${base}/webui/`);
    const token = (await page.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    // Another origin on the same host (so the SameSite=Lax cookie IS sent): only the Origin check stops it.
    const evil = await serveOnce(
      `<form method="post" action="${base}/webui/logout"><input name="_csrf" value="${token}"></form>` +
        `<form id="api" method="post" action="${base}/api/servers" enctype="text/plain">` +
        `<input name='{"name":"x","protocol":"sftp","address":"127.0.0.1:1","a":"' value='"}'></form>`,
    );
    try {
      const p = await admin.newPage();
      await p.goto(evil.url);
      await Promise.all([p.waitForNavigation(), p.evaluate('document.forms[0].submit()')]);
      assert.match(
        (await p.locator('[role=alert]').textContent()) ?? '',
        /refused: .*another site or origin|Origin/,
      );
      await p.goto(evil.url);
      const [res] = await Promise.all([
        p.waitForNavigation(),
        p.evaluate("document.getElementById('api').submit()"),
      ]);
      assert.ok([401, 403, 415].includes(res?.status() ?? 0), `API form POST: ${res?.status()}`);
      await p.close();
      assert.equal((await api('/api/servers/x')).status, 404, 'nothing was created');
      // Still logged in: the forged logout did nothing.
      const still = await page.goto(`${base}/webui/servers`);
      assert.equal(new URL(page.url()).pathname, '/webui/servers');
      assert.equal(still?.status(), 200);
    } finally {
      await evil.close();
    }
  });

  it('pauses and resumes a client transfer from a page served by the node NOT running it', async () => {
    const sshd = await startSshd();
    const stores = clusterStores(cluster);
    try {
      const partner = await setupPartner(cluster, stores, sshd);
      await writeRandomFile(join(cluster.home, 'out', 'big.bin'), 768 * MiB);
      const t = await stores.transfers.create(plannedPush(partner, 'big.bin'));
      const running = await eventually(
        30_000,
        async () => {
          const r = await stores.transfers.get(t.id);
          if (r?.status !== 'RUNNING' || r.node === null) throw new Error(`not running yet: ${r?.status}`);
          return r;
        },
        50,
      );
      const other = cluster.nodes.find((n) => n.name !== running.node);
      assert.ok(other);
      // The session cookie is the host's: the same browser is logged in on the other node's port.
      const res = await page.goto(`${other.adminUrl}/webui/transfers`);
      assert.equal(res?.headers()['x-gateway-node'], other.name);
      const row = page.locator(`#transfer-${t.id}`);
      await row.getByRole('button', { name: `Pause transfer ${t.id}` }).click();
      await page.waitForSelector(`#transfer-${t.id}[data-status="PAUSED"]`, { timeout: 15_000 });
      const paused = await stores.transfers.get(t.id);
      assert.equal(paused?.status, 'PAUSED');
      await shot(page, 'paused');
      await row.getByRole('button', { name: `Resume transfer ${t.id}` }).click();
      await page.waitForSelector(`#transfer-${t.id}[data-status="DONE"]`, { timeout: 90_000 });
      const done = await stores.transfers.getHistory(t.id);
      assert.equal(done?.status, 'DONE');
      assert.ok((paused?.progress ?? 0) > 0, 'it had moved before the pause');
    } finally {
      await stores.db.close();
      await sshd.stop();
    }
  });

  it('logs out: the session ends on every node', async () => {
    await page.goto(`${base}/webui/`);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log out' }).click()]);
    assert.match(page.url(), /\/webui\/login$/);
    for (let i = 0; i < 2; i++) {
      await page.goto(`${base}/webui/servers`);
      assert.match(page.url(), /\/webui\/login\?next=/);
    }
  });
});

/** `sshpass … sftp` putting one file, bandwidth-limited (Kbit/s). */
function sftpPut(
  address: string,
  user: string,
  password: string,
  file: string,
  remote: string,
  limitKbps: number,
): Promise<{ code: number | null; stderr: string }> {
  const [host, port] = address.split(':');
  const child = spawn(
    'sshpass',
    [
      '-e',
      'sftp',
      // Before -b, which would set BatchMode=yes (no password prompt for sshpass to answer).
      '-o',
      'BatchMode=no',
      '-b',
      '-',
      '-P',
      port ?? '',
      '-l',
      String(limitKbps),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'LogLevel=ERROR',
      `${user}@${host}`,
    ],
    { env: { ...process.env, SSHPASS: password }, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin?.end(`put ${file} ${remote}\n`);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** A page of another origin (same host, another port), as an attacker's site would serve it. */
async function serveOnce(body: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><body>${body}</body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
