/**
 * The user's own page: the second factor (TOTP: enrol with a secret shown once and a first good
 * code, or turn it off with a current code), and the change of one's own password through the
 * REST route for it when this build has one. Administrators reset a user's second factor from
 * the user's page (users: write), which also ends that user's sessions.
 */
import type { Console, WebContext, WebRouter } from '../context.js';
import { PageError, need, send, who } from '../context.js';
import { readCheckedForm } from '../form-body.js';
import { apiForm, codeInput, inputField } from '../forms.js';
import type { Html, HtmlValue } from '../html.js';
import { html } from '../html.js';
import { notice, page } from '../layout.js';
import { newTotpSecret, otpauthUri, verifyTotp } from '../totp.js';

/** The REST route of #15 for changing one's own password (shown only when the API has it). */
export const ownPasswordRoute = '/api/me/password';

export function accountPages(router: WebRouter, cons: Console): void {
  const { ctx } = cons;
  const hasOwnPasswordRoute = (): boolean =>
    cons.api.stack.some((l) => l.path === ownPasswordRoute && l.methods.includes('PUT'));

  const view = async (c: WebContext, message: HtmlValue = '', status = 200): Promise<void> => {
    const me = who(c);
    const totp = await ctx.stores.totp.get(me.user.id);
    const csrf = html`<input type="hidden" name="_csrf" value="${me.csrfToken}" />`;
    const twoFactor: Html =
      totp?.enabled === true
        ? html`<p>
              A second factor is <strong>on</strong>: each login asks for a code of your authenticator app.
            </p>
            <form method="post" action="/webui/account/totp/disable" class="inline">
              ${csrf} ${inputField('Current code, to turn it off', { id: 'off-code', ...codeInput })}
              <button type="submit" class="secondary">Turn the second factor off</button>
            </form>`
        : html`<p>No second factor: a password alone opens the console.</p>
            <form method="post" action="/webui/account/totp">
              ${csrf}<button type="submit">Set up an authenticator app</button>
            </form>`;
    const password = hasOwnPasswordRoute()
      ? html`${apiForm(
            { method: 'PUT', action: ownPasswordRoute, then: '/webui/login', submit: 'Change my password' },
            inputField('New password', {
              id: 'new-password',
              name: 'password',
              type: 'password',
              'data-type': 'string',
              autocomplete: 'new-password',
              required: true,
            }),
          )}
          <p class="muted">Every session of yours ends, this one too: log in again with the new password.</p>`
      : html`<p class="muted">
          This build has no REST route for changing one's own password yet; a user with the "write" right on
          "users" changes it on the Users page.
        </p>`;
    send(
      c,
      page(ctx, {
        title: 'My account',
        section: 'account',
        who: me,
        body: html`${message}
          <section aria-labelledby="tf-h">
            <h2 id="tf-h">Second factor (TOTP)</h2>
            ${twoFactor}
          </section>
          <section aria-labelledby="pw-h">
            <h2 id="pw-h">Password</h2>
            ${password}
          </section>`,
      }),
      status,
    );
  };

  router.get('/webui/account', (c) => view(c));

  router.post('/webui/account/totp', async (c) => {
    const me = who(c);
    await readCheckedForm(c, me.csrfToken);
    const current = await ctx.stores.totp.get(me.user.id);
    if (current?.enabled === true)
      throw new PageError(400, 'a second factor is already on: turn it off first');
    const secret = newTotpSecret();
    await ctx.stores.totp.begin(me.user.id, ctx.secrets.encrypt(secret), ctx.now());
    const uri = otpauthUri(ctx.config.global.gatewayName, me.user.username, secret);
    send(
      c,
      page(ctx, {
        title: 'Set up an authenticator app',
        section: 'account',
        who: me,
        body: html`<p>
            Add this key to your authenticator app (it is shown <strong>only now</strong>), then type the code
            the app shows.
          </p>
          <dl class="facts">
            <dt>Key</dt>
            <dd><code class="secret" id="totp-secret">${secret.replace(/(.{4})/g, '$1 ').trim()}</code></dd>
            <dt>Or this URI</dt>
            <dd><code class="file" id="totp-uri">${uri}</code></dd>
            <dt>Settings</dt>
            <dd>time-based, SHA-1, 6 digits, 30 seconds</dd>
          </dl>
          <form method="post" action="/webui/account/totp/confirm">
            <input type="hidden" name="_csrf" value="${me.csrfToken}" />
            ${inputField('Code', { id: 'confirm-code', ...codeInput, autofocus: true })}
            <div class="actions"><button type="submit">Turn the second factor on</button></div>
          </form>`,
      }),
    );
  });

  const check = async (c: WebContext, wantEnabled: boolean): Promise<boolean> => {
    const me = who(c);
    const form = await readCheckedForm(c, me.csrfToken);
    const record = await ctx.stores.totp.get(me.user.id);
    if (record === undefined || record.enabled !== wantEnabled) return false;
    const step = verifyTotp(ctx.secrets.decrypt(record.secret), form.get('code') ?? '', ctx.now());
    return step !== undefined && (await ctx.stores.totp.useStep(me.user.id, step));
  };

  router.post('/webui/account/totp/confirm', async (c) => {
    if (!(await check(c, false))) {
      return view(c, notice('error', 'Wrong code: the second factor stays off. Set it up again.'), 400);
    }
    await ctx.stores.totp.enable(who(c).user.id);
    ctx.log.info({ user: who(c).user.username }, 'web console: second factor on');
    await view(c, notice('info', 'The second factor is on: the next login asks for a code.'));
  });

  router.post('/webui/account/totp/disable', async (c) => {
    if (!(await check(c, true)))
      return view(c, notice('error', 'Wrong code: the second factor stays on.'), 400);
    await ctx.stores.totp.remove(who(c).user.id);
    ctx.log.info({ user: who(c).user.username }, 'web console: second factor off');
    await view(c, notice('info', 'The second factor is off.'));
  });

  router.post('/webui/users/:user/totp/reset', async (c) => {
    const me = need(c, 'users', 'w');
    await readCheckedForm(c, who(c).csrfToken);
    const u = await ctx.stores.users.get(c.params.user ?? '');
    if (u === undefined) throw new PageError(404, `user "${c.params.user ?? ''}" not found`);
    await ctx.stores.totp.remove(u.id);
    const ended = await ctx.stores.webSessions.deleteForUser(u.id);
    ctx.log.info(
      { user: u.username, by: me.username, sessionsEnded: ended },
      'web console: second factor reset',
    );
    c.redirect(`/webui/users/${encodeURIComponent(u.username)}`);
  });
}
