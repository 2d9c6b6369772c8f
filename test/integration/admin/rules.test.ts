import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from './harness.js';
import { startHarness } from './harness.js';

type Err = { error: { code: string; message: string } };
type Task = { type: string; args: Record<string, string> };
type RuleOut = {
  name: string;
  isSend: boolean;
  comment: string;
  path: string;
  localDir: string;
  remoteDir: string;
  tmpLocalRcvDir: string;
  preTasks: Task[];
  postTasks: Task[];
  errorTasks: Task[];
  authorized: { servers: string[]; partners: string[]; localAccounts: object; remoteAccounts: object };
};

describe('rules', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('creates a rule with tasks (201 + Location with the direction)', async () => {
    const r = await h.call<RuleOut>('POST', '/api/rules', {
      name: 'invoices',
      isSend: false,
      comment: 'incoming invoices',
      path: '/invoices/in',
      localDir: 'invoices',
      preTasks: [{ type: 'COPY', args: { path: '/backup' } }],
      postTasks: [
        { type: 'EXEC', args: { path: '/bin/true', args: '#TRUEFULLPATH#', delay: 1000 } },
        { type: 'move', args: { path: '/archive' } },
      ],
      errorTasks: [{ type: 'DELETE' }],
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), '/api/rules/invoices/receive');
    assert.equal(r.body.path, 'invoices/in');
    assert.deepEqual(r.body.postTasks, [
      { type: 'EXEC', args: { path: '/bin/true', args: '#TRUEFULLPATH#', delay: '1000' } },
      { type: 'MOVE', args: { path: '/archive' } },
    ]);
    assert.deepEqual(r.body.errorTasks, [{ type: 'DELETE', args: {} }]);
    assert.deepEqual(r.body.authorized, { servers: [], partners: [], localAccounts: {}, remoteAccounts: {} });
  });

  it('defaults an empty or "/" path to the rule name', async () => {
    const a = await h.call<RuleOut>('POST', '/api/rules', { name: 'alpha', isSend: true });
    assert.equal(a.body.path, 'alpha');
    const b = await h.call<RuleOut>('POST', '/api/rules', { name: 'beta', isSend: true, path: '/' });
    assert.equal(b.body.path, 'beta');
  });

  it('allows the same name and path for the other direction', async () => {
    const r = await h.call<RuleOut>('POST', '/api/rules', {
      name: 'invoices',
      isSend: true,
      path: 'invoices/in',
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), '/api/rules/invoices/send');
    const send = await h.call<RuleOut>('GET', '/api/rules/invoices/send');
    const receive = await h.call<RuleOut>('GET', '/api/rules/invoices/receive');
    assert.equal(send.body.isSend, true);
    assert.equal(receive.body.isSend, false);
    assert.equal(receive.body.comment, 'incoming invoices');
  });

  it('refuses a duplicate name+direction with 409', async () => {
    const r = await h.call<Err>('POST', '/api/rules', { name: 'alpha', isSend: true, path: 'other' });
    assert.equal(r.status, 409);
  });

  it('refuses a path used by the same direction, or nested in any other rule, naming that rule', async () => {
    const same = await h.call<Err>('POST', '/api/rules', { name: 'gamma', isSend: true, path: 'alpha' });
    assert.equal(same.status, 400);
    assert.match(same.body.error.message, /already used by the send rule "alpha"/);
    const child = await h.call<Err>('POST', '/api/rules', {
      name: 'gamma',
      isSend: false,
      path: 'invoices/in/2024',
    });
    assert.equal(child.status, 400);
    assert.match(
      child.body.error.message,
      /overlaps the path "invoices\/in" of the (send|receive) rule "invoices"/,
    );
    const parent = await h.call<Err>('POST', '/api/rules', { name: 'gamma', isSend: true, path: 'invoices' });
    assert.equal(parent.status, 400);
    assert.match(parent.body.error.message, /overlaps/);
    // A common prefix that is not a parent folder is fine.
    const sibling = await h.call('POST', '/api/rules', { name: 'gamma', isSend: true, path: 'invoices-old' });
    assert.equal(sibling.status, 201);
  });

  it('refuses unknown task types and missing task arguments, naming them', async () => {
    const type = await h.call<Err>('POST', '/api/rules', {
      name: 'delta',
      isSend: true,
      postTasks: [
        { type: 'COPY', args: { path: '/x' } },
        { type: 'TELEPORT', args: {} },
      ],
    });
    assert.equal(type.status, 400);
    assert.match(type.body.error.message, /postTasks\[1\]\.type.*unknown task type "TELEPORT"/);
    const args = await h.call<Err>('POST', '/api/rules', {
      name: 'delta',
      isSend: true,
      preTasks: [{ type: 'COPY' }],
    });
    assert.equal(args.status, 400);
    assert.match(args.body.error.message, /COPY needs the argument "path"/);
    const transfer = await h.call<Err>('POST', '/api/rules', {
      name: 'delta',
      isSend: true,
      postTasks: [{ type: 'TRANSFER', args: { file: 'f', rule: 'r', as: 'a', to: 'p', from: 'q' } }],
    });
    assert.equal(transfer.status, 400);
    assert.match(transfer.body.error.message, /exactly one of "to"/);
    const unknownField = await h.call<Err>('POST', '/api/rules', {
      name: 'delta',
      isSend: true,
      preTasks: [{ type: 'DELETE', rank: 1 }],
    });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.body.error.message, /unknown field "preTasks\[0\]\.rank"/);
    const notBool = await h.call<Err>('POST', '/api/rules', { name: 'delta', isSend: 'yes' });
    assert.equal(notBool.status, 400);
    assert.match(notBool.body.error.message, /field "isSend" must be a boolean/);
  });

  it('PATCH replaces a task chain and keeps the rest; PUT resets', async () => {
    const p = await h.call<RuleOut>('PATCH', '/api/rules/invoices/receive', {
      postTasks: [{ type: 'RENAME', args: { path: 'x' } }],
    });
    assert.equal(p.status, 201);
    assert.deepEqual(p.body.postTasks, [{ type: 'RENAME', args: { path: 'x' } }]);
    assert.deepEqual(p.body.preTasks, [{ type: 'COPY', args: { path: '/backup' } }]);
    assert.equal(p.body.path, 'invoices/in');
    const put = await h.call<RuleOut>('PUT', '/api/rules/beta/send', { name: 'beta2', isSend: true });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('location'), '/api/rules/beta2/send');
    assert.equal(put.body.path, 'beta2');
    assert.equal((await h.call('GET', '/api/rules/beta/send')).status, 404);
  });

  it('PATCH checks path conflicts against other rules only', async () => {
    const self = await h.call('PATCH', '/api/rules/alpha/send', { comment: 'same path as before' });
    assert.equal(self.status, 201);
    const clash = await h.call<Err>('PATCH', '/api/rules/alpha/send', { path: 'invoices/in/x' });
    assert.equal(clash.status, 400);
  });

  it('lists with paging and sort', async () => {
    const r = await h.call<{ rules: RuleOut[] }>('GET', '/api/rules?sort=name-&limit=2');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.rules.map((x) => x.name),
      ['invoices', 'invoices'],
    );
    assert.equal((await h.call('GET', '/api/rules?sort=path+')).status, 400);
  });

  it('allow_all drops every restriction', async () => {
    await h.call('POST', '/api/servers', { name: 's', protocol: 'sftp', address: '127.0.0.1:2222' });
    await h.call('PUT', '/api/servers/s/authorize/alpha/send');
    assert.deepEqual((await h.call<RuleOut>('GET', '/api/rules/alpha/send')).body.authorized.servers, ['s']);
    const r = await h.call<{ message: string }>('PUT', '/api/rules/alpha/send/allow_all');
    assert.equal(r.status, 200);
    assert.match(r.body.message, /unrestricted/);
    assert.deepEqual((await h.call<RuleOut>('GET', '/api/rules/alpha/send')).body.authorized.servers, []);
  });

  it('deletes a rule (204) and answers 404 after; a bad direction is a 400', async () => {
    assert.equal((await h.call('DELETE', '/api/rules/gamma/send')).status, 204);
    assert.equal((await h.call('DELETE', '/api/rules/gamma/send')).status, 404);
    const bad = await h.call<Err>('GET', '/api/rules/alpha/both');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /"send" or "receive"/);
  });

  it('needs the rules permission', async () => {
    const auth = await h.addUser('transfers-only', { transfers: 'rw-' });
    assert.equal((await h.call('GET', '/api/rules', undefined, { auth })).status, 403);
    const reader = await h.addUser('rules-reader', { rules: 'r--' });
    assert.equal((await h.call('GET', '/api/rules', undefined, { auth: reader })).status, 200);
    assert.equal((await h.call('DELETE', '/api/rules/alpha/send', undefined, { auth: reader })).status, 403);
  });
});
