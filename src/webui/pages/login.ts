/**
 * Login (the REST users and their passwords), the TOTP step for users who enrolled one, and
 * logout. A wrong password or code counts toward the address's ban exactly as a failed REST login
 * does (the shared bans store, protocol "rest"), and a banned address is refused before any
 * check. Every POST here must come from this console's origin.
 */
import type { GatewayContext } from '../../gateway/context.js';
import { decoyHash, verifyPassword } from '../../crypto/passwords.js';
import { LoginBans } from '../../security/login-bans.js';
import type { Console, WebContext, WebRouter } from '../context.js';
import { PageError, send, who } from '../context.js';
import { readCheckedForm, readForm } from '../form-body.js';
import { codeInput, inputField } from '../forms.js';
import { foreignOrigin } from '../guard.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { notice, page } from '../layout.js';
import {
  clearSessionCookie,
  currentSession,
  openSession,
  readSessionToken,
  requestAddress,
} from '../sessions.js';
import { verifyTotp } from '../totp.js';
import { createHash } from 'node:crypto';

/** Only a console path may follow a login (never another site). */
function safeNext(next: string | null | undefined): string {
  return next !== null && next !== undefined && /^\/webui\/[^/\\]/.test(next) ? next : '/webui/';
}

/** A step of the login (password, then second factor): a plain form posted to `action`. */
function loginStep(
  ctx: GatewayContext,
  o: { title: string; action: string; submit: string },
  message: Html | string,
  next: string,
  fields: Html[],
): Html {
  return page(ctx, {
    title: o.title,
    body: html`${message}
      <form class="login" method="post" action="${o.action}">
        <input type="hidden" name="next" value="${next}" />
        ${fields}
        <div class="actions"><button type="submit">${o.submit}</button></div>
      </form>`,
  });
}

function loginForm(ctx: GatewayContext, message: Html | string, next: string, username = ''): Html {
  return loginStep(ctx, { title: 'Log in', action: '/webui/login', submit: 'Log in' }, message, next, [
    inputField('User name', {
      id: 'username',
      name: 'username',
      autocomplete: 'username',
      required: true,
      value: username,
      autofocus: true,
    }),
    inputField('Password', {
      id: 'password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    }),
  ]);
}

function totpForm(ctx: GatewayContext, message: Html | string, next: string): Html {
  return loginStep(
    ctx,
    { title: 'Second factor', action: '/webui/login/totp', submit: 'Verify' },
    message,
    next,
    [
      inputField('Code from your authenticator app', {
        id: 'code',
        ...codeInput,
        pattern: '[0-9 ]{6,7}',
        autofocus: true,
      }),
    ],
  );
}

function banText(until: number, now: number): string {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return `too many failed logins from this address: banned for ${seconds} s`;
}

export function loginPages(router: WebRouter, cons: Console): void {
  const { ctx } = cons;
  // The same defence as REST and SFTP: per address and protocol, exempt addresses aside (#14).
  const bans = new LoginBans(ctx);

  /** Counts a failure; the message to show (the ban, once there is one). */
  const fail = async (
    c: WebContext,
    login: string,
    what: string,
  ): Promise<{ status: number; text: string }> => {
    const source = requestAddress(ctx, c);
    const until = await bans.failed(source, 'rest');
    ctx.log.warn({ source, login, banned: until !== undefined }, `web console login failed: ${what}`);
    return until === undefined
      ? { status: 401, text: what }
      : { status: 429, text: banText(until, ctx.now()) };
  };

  const banned = async (c: WebContext): Promise<number | undefined> =>
    (await bans.standing(requestAddress(ctx, c), 'rest')).bannedUntil;

  const checkOrigin = (c: WebContext): void => {
    const why = foreignOrigin(c);
    if (why !== undefined) throw new PageError(403, `refused: ${why}`);
  };

  router.get('/webui/login', async (c) => {
    const next = safeNext(typeof c.query.next === 'string' ? c.query.next : undefined);
    const found = await currentSession(ctx, c);
    if (found?.session.stage === 'full') return c.redirect(next);
    if (found?.session.stage === 'totp')
      return c.redirect(`/webui/login/totp?next=${encodeURIComponent(next)}`);
    const ended =
      readSessionToken(c) !== undefined ? notice('info', 'Your session has ended: log in again.') : '';
    send(c, loginForm(ctx, ended, next));
  });

  router.post('/webui/login', async (c) => {
    checkOrigin(c);
    const form = await readForm(c);
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const next = safeNext(form.get('next'));
    const until = await banned(c);
    if (until !== undefined) {
      return send(c, loginForm(ctx, notice('error', banText(until, ctx.now())), next, username), 429);
    }
    const user = username === '' ? undefined : await ctx.stores.users.get(username);
    // An unknown login costs the same as a wrong password, so logins cannot be probed.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (user === undefined || !ok) {
      const f = await fail(c, username, 'invalid user name or password');
      return send(c, loginForm(ctx, notice('error', f.text), next, username), f.status);
    }
    const totp = await ctx.stores.totp.get(user.id);
    const stage = totp?.enabled === true ? 'totp' : 'full';
    // Any session this browser had is replaced (a new token: no session fixation).
    const old = readSessionToken(c);
    if (old !== undefined)
      await ctx.stores.webSessions.delete(createHash('sha256').update(old).digest('hex'));
    await openSession(ctx, c, user, stage);
    if (stage === 'full') {
      await bans.succeeded(requestAddress(ctx, c), 'rest', true);
      ctx.log.info({ user: user.username, source: requestAddress(ctx, c) }, 'web console login');
      return c.redirect(next);
    }
    c.redirect(`/webui/login/totp?next=${encodeURIComponent(next)}`);
  });

  router.get('/webui/login/totp', async (c) => {
    const next = safeNext(typeof c.query.next === 'string' ? c.query.next : undefined);
    const found = await currentSession(ctx, c);
    if (found === undefined) return c.redirect('/webui/login');
    if (found.session.stage === 'full') return c.redirect(next);
    send(c, totpForm(ctx, '', next));
  });

  router.post('/webui/login/totp', async (c) => {
    checkOrigin(c);
    const form = await readForm(c);
    const next = safeNext(form.get('next'));
    const found = await currentSession(ctx, c);
    if (found === undefined || found.session.stage !== 'totp') return c.redirect('/webui/login');
    const until = await banned(c);
    if (until !== undefined) {
      return send(c, totpForm(ctx, notice('error', banText(until, ctx.now())), next), 429);
    }
    const record = await ctx.stores.totp.get(found.user.id);
    const secret = record === undefined ? undefined : ctx.secrets.decrypt(record.secret);
    const step = secret === undefined ? undefined : verifyTotp(secret, form.get('code') ?? '', ctx.now());
    if (step === undefined || !(await ctx.stores.totp.useStep(found.user.id, step))) {
      const f = await fail(c, found.user.username, 'wrong or already used code');
      return send(c, totpForm(ctx, notice('error', f.text), next), f.status);
    }
    await ctx.stores.webSessions.delete(found.session.id);
    await openSession(ctx, c, found.user, 'full');
    await bans.succeeded(requestAddress(ctx, c), 'rest', true);
    ctx.log.info({ user: found.user.username, source: requestAddress(ctx, c) }, 'web console login (TOTP)');
    c.redirect(next);
  });

  router.post('/webui/logout', async (c) => {
    const session = who(c).session;
    await readCheckedForm(c, session.csrfToken);
    await ctx.stores.webSessions.delete(session.id);
    clearSessionCookie(ctx, c);
    c.redirect('/webui/login');
  });
}
