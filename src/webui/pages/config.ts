/**
 * Configuration pages: servers and their local accounts, partners (host key pin) and their
 * remote accounts, rules with their tasks, users and their rights. Each page shows the object as
 * the REST API does (the same DTO functions) and offers the forms and buttons the user's rights
 * allow; the forms are drawn from the API's request schemas and sent to the API by the browser.
 */
import { localAccountOut, remoteAccountOut } from '../../admin/dto/accounts.js';
import { partnerOut } from '../../admin/dto/partners.js';
import { ruleOut } from '../../admin/dto/rules.js';
import { serverOut } from '../../admin/dto/servers.js';
import { userOut } from '../../admin/dto/users.js';
import { allowedTypes, credentialOut } from '../../admin/credentials.js';
import {
  findLocalAccount,
  findPartner,
  findRemoteAccount,
  findRule,
  findServer,
} from '../../admin/lookup.js';
import type { AuthorizedRulesOut as AuthorizedRules } from '../../schema/agents.js';
import type { AccessTarget, User } from '../../model/entities.js';
import type { PermissionTarget } from '../../model/permissions.js';
import type { Console, WebContext, WebRouter } from '../context.js';
import { PageError, need, send, who } from '../context.js';
import { apiButton, renderForm } from '../forms.js';
import type { Html, HtmlValue } from '../html.js';
import { html } from '../html.js';
import { can, page, tableHead } from '../layout.js';

const enc = encodeURIComponent;

function param(c: WebContext, name: string): string {
  const v = c.params[name];
  if (v === undefined) throw new PageError(400, `missing ${name}`);
  return v;
}

function table(caption: string, head: readonly string[], rows: readonly HtmlValue[], empty: string): Html {
  return html`<div class="scroll">
    <table class="data">
      ${tableHead(caption, head)}
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan="${head.length}" class="empty">${empty}</td>
              </tr>`
            : rows
        }
      </tbody>
    </table>
  </div>`;
}

function panel(summary: string, body: HtmlValue, open = false): Html {
  return html`<details class="panel" ${open ? html` open` : ''}>
    <summary>${summary}</summary>
    ${body}
  </details>`;
}

function facts(pairs: readonly [string, HtmlValue][]): Html {
  return html`<dl class="facts">
    ${pairs.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v === '' ? '—' : v}</dd>`,
    )}
  </dl>`;
}

function rulesOf(a: AuthorizedRules): string {
  const parts = [...a.sending.map((r) => `${r} (send)`), ...a.reception.map((r) => `${r} (receive)`)];
  return parts.length === 0 ? 'rules open to everyone only' : parts.join(', ');
}

const slot = html`<div class="notice-slot" role="alert" aria-live="assertive"></div>`;

/** The credentials of an owner: list (no secret ever shown), add, delete. */
async function credentials(
  cons: Console,
  user: User,
  perm: PermissionTarget,
  target: AccessTarget,
  apiBase: string,
  names: readonly string[],
  id: string,
  help: string,
): Promise<Html> {
  const { ctx } = cons;
  const rows: Html[] = [];
  for (const name of names) {
    const stored = await ctx.stores.credentials.get(target, name);
    const out = stored === undefined ? { name, type: 'password' } : credentialOut(ctx, stored);
    rows.push(
      html`<tr>
        <td>${out.name}</td>
        <td>${out.type}</td>
        <td class="file"><code>${'value' in out ? out.value : ''}</code></td>
        <td>
          ${can(user, perm, 'd') ? apiButton({ method: 'DELETE', path: `${apiBase}/credentials/${enc(name)}`, label: 'Delete', then: 'reload', confirm: `Delete credential ${name}?`, ariaLabel: `Delete credential ${name}` }) : ''}
        </td>
      </tr>`,
    );
  }
  return html`<section aria-labelledby="${id}-h">
    <h2 id="${id}-h">Credentials</h2>
    <p class="muted">${help}</p>
    ${table('Credentials', ['Name', 'Type', 'Public part', ''], rows, 'None.')}
    ${
      can(user, perm, 'w')
        ? panel(
            'Add a credential',
            renderForm({
              id: `${id}-cred`,
              schema: 'CredentialIn',
              method: 'POST',
              action: `${apiBase}/credentials`,
              then: 'reload',
              submit: 'Add',
              fields: { type: { choices: allowedTypes[target.kind] }, value: { textarea: true } },
            }),
          )
        : ''
    }
  </section>`;
}

function deleteButton(user: User, perm: PermissionTarget, path: string, what: string, then: string): Html {
  return can(user, perm, 'd')
    ? apiButton({
        method: 'DELETE',
        path,
        label: `Delete`,
        then,
        confirm: `Delete ${what}?`,
        className: 'danger',
        ariaLabel: `Delete ${what}`,
      })
    : html``;
}

export function configPages(router: WebRouter, cons: Console): void {
  const { ctx } = cons;
  const show = (c: WebContext, title: string, section: string, body: HtmlValue): void =>
    send(c, page(ctx, { title, section, who: who(c), body }));

  // ---- servers and local accounts ------------------------------------------------------

  router.get('/webui/servers', async (c) => {
    const user = need(c, 'servers', 'r');
    const list = await ctx.stores.servers.list({ limit: 1000 });
    show(
      c,
      'Servers',
      'servers',
      html`${slot}
      ${table(
        'Servers',
        ['Name', 'Protocol', 'Address', 'State'],
        list.map(
          (s) =>
            html`<tr>
              <td><a href="/webui/servers/${enc(s.name)}">${s.name}</a></td>
              <td>${s.protocol}</td>
              <td>${s.address}</td>
              <td>${s.enabled ? 'enabled' : 'disabled'}</td>
            </tr>`,
        ),
        'No server yet.',
      )}
      ${
        can(user, 'servers', 'w')
          ? panel(
              'New server',
              renderForm({
                id: 'new-server',
                schema: 'ServerIn',
                method: 'POST',
                action: '/api/servers',
                then: 'location',
                submit: 'Create the server',
              }),
              list.length === 0,
            )
          : ''
      }`,
    );
  });

  router.get('/webui/servers/:server', async (c) => {
    const user = need(c, 'servers', 'r');
    const s = await findServer(ctx, param(c, 'server'));
    const out = await serverOut(ctx, s);
    const api = `/api/servers/${enc(s.name)}`;
    const accounts = await ctx.stores.localAccounts.list(s.id, { limit: 1000 });
    const write = can(user, 'servers', 'w');
    show(
      c,
      `Server ${s.name}`,
      'servers',
      html`${slot}
        <div class="toolbar">
          ${
            write
              ? html`${apiButton({ method: 'PUT', path: `${api}/${s.enabled ? 'disable' : 'enable'}`, label: s.enabled ? 'Disable' : 'Enable', then: 'reload' })}
                ${apiButton({ method: 'PUT', path: `${api}/restart`, label: 'Restart listeners', then: 'reload' })}`
              : ''
          }${deleteButton(user, 'servers', api, `server ${s.name}`, '/webui/servers')}
        </div>
        ${facts([
          ['Protocol', out.protocol],
          ['Address', out.address],
          ['State', out.enabled ? 'enabled (every node listens)' : 'disabled'],
          ['Root folder', out.rootDir],
          ['Receive / send / temporary folders', `${out.receiveDir} · ${out.sendDir} · ${out.tmpReceiveDir}`],
          ['Protocol configuration', html`<code>${JSON.stringify(out.protoConfig)}</code>`],
          ['Rules', rulesOf(out.authorizedRules)],
        ])}
        ${write ? panel('Edit', renderForm({ id: 'edit-server', schema: 'ServerPatch', method: 'PATCH', action: api, then: 'location', submit: 'Save', values: { ...out } })) : ''}
        <section aria-labelledby="acc-h">
          <h2 id="acc-h">Local accounts</h2>
          ${table(
            'Local accounts',
            ['Login', 'Allowed addresses'],
            accounts.map(
              (a) =>
                html`<tr>
                  <td><a href="/webui/servers/${enc(s.name)}/accounts/${enc(a.login)}">${a.login}</a></td>
                  <td>${a.ipAddresses.join(', ') || 'any'}</td>
                </tr>`,
            ),
            'No account yet.',
          )}
          ${write ? panel('New local account', renderForm({ id: 'new-account', schema: 'LocalAccountIn', method: 'POST', action: `${api}/accounts`, then: 'location', submit: 'Create the account' }), accounts.length === 0) : ''}
        </section>
        ${await credentials(cons, user, 'servers', { kind: 'server', id: s.id }, api, out.credentials, 'server', "SSH host keys of this server (a private key; its public half is shown). Without one, the node's own host key is used.")}`,
    );
  });

  router.get('/webui/servers/:server/accounts/:login', async (c) => {
    const user = need(c, 'servers', 'r');
    const s = await findServer(ctx, param(c, 'server'));
    const a = await findLocalAccount(ctx, s, param(c, 'login'));
    const out = await localAccountOut(ctx, a);
    const api = `/api/servers/${enc(s.name)}/accounts/${enc(a.login)}`;
    show(
      c,
      `Account ${a.login} on ${s.name}`,
      'servers',
      html`${slot}
        <p><a href="/webui/servers/${enc(s.name)}">← Server ${s.name}</a></p>
        <div class="toolbar">
          ${deleteButton(user, 'servers', api, `account ${a.login}`, `/webui/servers/${enc(s.name)}`)}
        </div>
        ${facts([
          ['Login', out.login],
          ['Allowed addresses', out.ipAddresses.join(', ') || 'any'],
          ['Rules', rulesOf(out.authorizedRules)],
        ])}
        ${can(user, 'servers', 'w') ? panel('Edit (a new password, allowed addresses)', renderForm({ id: 'edit-account', schema: 'LocalAccountPatch', method: 'PATCH', action: api, then: 'location', submit: 'Save', values: { login: out.login, ipAddresses: out.ipAddresses } })) : ''}
        ${await credentials(cons, user, 'servers', { kind: 'localAccount', id: a.id }, api, out.credentials, 'account', 'How the partner logs in: its password and SSH public keys.')}`,
    );
  });

  // ---- partners and remote accounts ---------------------------------------------------

  router.get('/webui/partners', async (c) => {
    const user = need(c, 'partners', 'r');
    const list = await ctx.stores.partners.list({ limit: 1000 });
    show(
      c,
      'Partners',
      'partners',
      html`${slot}
      ${table(
        'Partners',
        ['Name', 'Protocol', 'Address'],
        list.map(
          (p) =>
            html`<tr>
              <td><a href="/webui/partners/${enc(p.name)}">${p.name}</a></td>
              <td>${p.protocol}</td>
              <td>${p.address}</td>
            </tr>`,
        ),
        'No partner yet.',
      )}
      ${can(user, 'partners', 'w') ? panel('New partner', renderForm({ id: 'new-partner', schema: 'PartnerIn', method: 'POST', action: '/api/partners', then: 'location', submit: 'Create the partner' }), list.length === 0) : ''}`,
    );
  });

  router.get('/webui/partners/:partner', async (c) => {
    const user = need(c, 'partners', 'r');
    const p = await findPartner(ctx, param(c, 'partner'));
    const out = await partnerOut(ctx, p);
    const api = `/api/partners/${enc(p.name)}`;
    const accounts = await ctx.stores.remoteAccounts.list(p.id, { limit: 1000 });
    const write = can(user, 'partners', 'w');
    show(
      c,
      `Partner ${p.name}`,
      'partners',
      html`${slot}
        <div class="toolbar">
          ${deleteButton(user, 'partners', api, `partner ${p.name}`, '/webui/partners')}
        </div>
        ${facts([
          ['Protocol', out.protocol],
          ['Address', out.address],
          ['Protocol configuration', html`<code>${JSON.stringify(out.protoConfig)}</code>`],
          ['Rules', rulesOf(out.authorizedRules)],
        ])}
        ${write ? panel('Edit', renderForm({ id: 'edit-partner', schema: 'PartnerPatch', method: 'PATCH', action: api, then: 'location', submit: 'Save', values: { ...out } })) : ''}
        <section aria-labelledby="racc-h">
          <h2 id="racc-h">Our accounts at ${p.name}</h2>
          ${table(
            'Remote accounts',
            ['Login'],
            accounts.map(
              (a) =>
                html`<tr>
                  <td><a href="/webui/partners/${enc(p.name)}/accounts/${enc(a.login)}">${a.login}</a></td>
                </tr>`,
            ),
            'No account yet.',
          )}
          ${write ? panel('New remote account', renderForm({ id: 'new-raccount', schema: 'RemoteAccountIn', method: 'POST', action: `${api}/accounts`, then: 'location', submit: 'Create the account' }), accounts.length === 0) : ''}
        </section>
        ${await credentials(cons, user, 'partners', { kind: 'partner', id: p.id }, api, out.credentials, 'partner', "The partner's SSH host key, pinned: a connection to a partner presenting another key is refused.")}`,
    );
  });

  router.get('/webui/partners/:partner/accounts/:login', async (c) => {
    const user = need(c, 'partners', 'r');
    const p = await findPartner(ctx, param(c, 'partner'));
    const a = await findRemoteAccount(ctx, p, param(c, 'login'));
    const out = await remoteAccountOut(ctx, a);
    const api = `/api/partners/${enc(p.name)}/accounts/${enc(a.login)}`;
    show(
      c,
      `Account ${a.login} at ${p.name}`,
      'partners',
      html`${slot}
        <p><a href="/webui/partners/${enc(p.name)}">← Partner ${p.name}</a></p>
        <div class="toolbar">
          ${deleteButton(user, 'partners', api, `account ${a.login}`, `/webui/partners/${enc(p.name)}`)}
        </div>
        ${facts([
          ['Login', out.login],
          ['Rules', rulesOf(out.authorizedRules)],
        ])}
        ${can(user, 'partners', 'w') ? panel('Edit (login, password)', renderForm({ id: 'edit-raccount', schema: 'RemoteAccountPatch', method: 'PATCH', action: api, then: 'location', submit: 'Save', values: { login: out.login } })) : ''}
        ${await credentials(cons, user, 'partners', { kind: 'remoteAccount', id: a.id }, api, out.credentials, 'raccount', 'How the gateway logs in to the partner: a password or an SSH private key (stored encrypted).')}`,
    );
  });

  // ---- rules ------------------------------------------------------------------------------

  router.get('/webui/rules', async (c) => {
    const user = need(c, 'rules', 'r');
    const list = await ctx.stores.rules.list({ limit: 1000 });
    show(
      c,
      'Rules',
      'rules',
      html`${slot}
      ${table(
        'Rules',
        ['Name', 'Direction', 'Path', 'Comment'],
        list.map((r) => {
          const dir = r.isSend ? 'send' : 'receive';
          return html`<tr>
            <td><a href="/webui/rules/${enc(r.name)}/${dir}">${r.name}</a></td>
            <td>${dir}</td>
            <td>${r.path}</td>
            <td>${r.comment}</td>
          </tr>`;
        }),
        'No rule yet.',
      )}
      ${can(user, 'rules', 'w') ? panel('New rule', renderForm({ id: 'new-rule', schema: 'RuleIn', method: 'POST', action: '/api/rules', then: 'location', submit: 'Create the rule' }), list.length === 0) : ''}`,
    );
  });

  router.get('/webui/rules/:rule/:dir', async (c) => {
    const user = need(c, 'rules', 'r');
    const dir = param(c, 'dir');
    if (dir !== 'send' && dir !== 'receive')
      throw new PageError(400, `the direction must be "send" or "receive", got "${dir}"`);
    const r = await findRule(ctx, param(c, 'rule'), dir === 'send');
    const out = await ruleOut(ctx, r);
    const api = `/api/rules/${enc(r.name)}/${dir}`;
    const a = out.authorized;
    const open =
      a.servers.length +
        a.partners.length +
        Object.keys(a.localAccounts).length +
        Object.keys(a.remoteAccounts).length ===
      0;
    const who_ = [
      ...a.servers.map((s) => `server ${s}`),
      ...a.partners.map((p) => `partner ${p}`),
      ...Object.entries(a.localAccounts).flatMap(([s, l]) => l.map((x) => `${x}@${s}`)),
      ...Object.entries(a.remoteAccounts).flatMap(([p, l]) => l.map((x) => `${x}@${p}`)),
    ];
    show(
      c,
      `Rule ${r.name} (${dir})`,
      'rules',
      html`${slot}
        <div class="toolbar">
          ${
            can(user, 'rules', 'w') && !open
              ? apiButton({
                  method: 'PUT',
                  path: `${api}/allow_all`,
                  label: 'Open to everyone',
                  then: 'reload',
                  confirm: `Open rule ${r.name} to every account?`,
                })
              : ''
          }${deleteButton(user, 'rules', api, `rule ${r.name} (${dir})`, '/webui/rules')}
        </div>
        ${facts([
          ['Path', out.path],
          ['Local folder', out.localDir],
          ['Remote folder', out.remoteDir],
          ['Temporary local receive folder', out.tmpLocalRcvDir],
          ['Comment', out.comment],
          ['Who may use it', open ? 'everyone' : who_.join(', ')],
          [
            'Tasks',
            `${out.preTasks.length} pre, ${out.postTasks.length} post, ${out.errorTasks.length} on error`,
          ],
        ])}
        ${can(user, 'rules', 'w') ? panel('Edit (folders, tasks)', renderForm({ id: 'edit-rule', schema: 'RulePatch', method: 'PATCH', action: api, then: 'location', submit: 'Save', values: { ...out }, fields: { isSend: { hidden: true } } }), true) : ''}`,
    );
  });

  // ---- users ------------------------------------------------------------------------------

  router.get('/webui/users', async (c) => {
    const user = need(c, 'users', 'r');
    const list = await ctx.stores.users.list({ limit: 1000 });
    const twoFactor = new Set<number>();
    for (const u of list) if ((await ctx.stores.totp.get(u.id))?.enabled === true) twoFactor.add(u.id);
    show(
      c,
      'Users',
      'users',
      html`${slot}
      ${table(
        'Users',
        ['User', ...Object.keys(userOut(list[0] ?? user).perms), 'TOTP'],
        list.map((u) => {
          const o = userOut(u);
          return html`<tr>
            <td><a href="/webui/users/${enc(u.username)}">${u.username}</a></td>
            ${Object.values(o.perms).map((p) => html`<td><code>${p}</code></td>`)}
            <td>${twoFactor.has(u.id) ? 'on' : 'off'}</td>
          </tr>`;
        }),
        'No user.',
      )}
      ${can(user, 'users', 'w') ? panel('New user', renderForm({ id: 'new-user', schema: 'UserIn', method: 'POST', action: '/api/users', then: 'location', submit: 'Create the user' })) : ''}`,
    );
  });

  router.get('/webui/users/:user', async (c) => {
    const me = need(c, 'users', 'r');
    const u = await ctx.stores.users.get(param(c, 'user'));
    if (u === undefined) throw new PageError(404, `user "${param(c, 'user')}" not found`);
    const out = userOut(u);
    const api = `/api/users/${enc(u.username)}`;
    const totp = await ctx.stores.totp.get(u.id);
    const write = can(me, 'users', 'w');
    show(
      c,
      `User ${u.username}`,
      'users',
      html`${slot}
        <div class="toolbar">${deleteButton(me, 'users', api, `user ${u.username}`, '/webui/users')}</div>
        ${facts([
          ['Rights', html`${Object.entries(out.perms).map(([t, p]) => html`<code>${t}: ${p}</code> `)}`],
          ['Second factor (TOTP)', totp?.enabled === true ? 'on' : 'off'],
        ])}
        ${
          write && totp !== undefined
            ? html`<form class="inline" method="post" action="/webui/users/${enc(u.username)}/totp/reset">
                <input type="hidden" name="_csrf" value="${who(c).csrfToken}" />
                <button type="submit" class="secondary">Reset the second factor (lost phone)</button>
              </form>`
            : ''
        }
        ${write ? panel('Edit (name, password, rights)', renderForm({ id: 'edit-user', schema: 'UserPatch', method: 'PATCH', action: api, then: 'location', submit: 'Save', values: { username: out.username, perms: out.perms } }), true) : ''}`,
    );
  });
}
