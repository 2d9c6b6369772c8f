/**
 * Sub-resources every server, partner and account has: credentials and rule access
 * (authorize/revoke). One implementation, mounted under each owner's path.
 */
import type { GatewayContext } from '../../gateway/context.js';
import type { AccessTarget, LocalAccount } from '../../model/entities.js';
import type { PermissionTarget } from '../../model/permissions.js';
import { need } from '../auth.js';
import { readJson } from '../body.js';
import { checkType, credentialOut, encodeValue } from '../credentials.js';
import { localPasswordName } from '../dto/accounts.js';
import { badRequest, notFound } from '../errors.js';
import type { ApiContext, ApiRouter } from '../http.js';
import { created, dirName, direction, noContent, ok, param } from '../http.js';
import { findRule } from '../lookup.js';
import { newPasswordHash } from '../password-policy.js';
import { bodyOf } from '../validate.js';

/** The owner a request names, resolved from its path. */
export interface Owner {
  target: AccessTarget;
  /** `server "s"`, `local account "a" of server "s"`, … for messages. */
  label: string;
  /** Path of the owner, e.g. `/api/servers/s`. */
  location: string;
  /** Set for local accounts: their password is the account's hash, not a credential row. */
  localAccount?: LocalAccount;
  /** Called after a credential change (servers: every node reloads its listener). */
  changed?: () => Promise<void>;
}

export interface OwnerSpec {
  /** Route path of the owner, e.g. `/api/servers/:server`. */
  path: string;
  /** Permission target that guards the owner (servers or partners). */
  permission: PermissionTarget;
  resolve(c: ApiContext): Promise<Owner>;
}

export function registerCredentials(router: ApiRouter, ctx: GatewayContext, spec: OwnerSpec): void {
  const base = `${spec.path}/credentials`;
  const where = (o: Owner, name: string): string => `${o.location}/credentials/${encodeURIComponent(name)}`;

  router.post(base, need(spec.permission, 'w'), async (c) => {
    const owner = await spec.resolve(c);
    const body = bodyOf('CredentialIn', await readJson(c));
    const type = checkType(owner.target.kind, body.type);
    const name = body.name ?? type;
    if (owner.localAccount !== undefined && (type === 'password') !== (name === localPasswordName)) {
      throw badRequest(`a local account has one password credential, and it is named "${localPasswordName}"`);
    }
    if (owner.localAccount !== undefined && type === 'password') {
      const a = owner.localAccount;
      const passwordHash = await newPasswordHash(ctx, body.value, 'value');
      await ctx.stores.localAccounts.update(a.id, { ...a, passwordHash });
      created(c, where(owner, name), { name, type });
      return;
    }
    const stored = await ctx.stores.credentials.create({
      owner: owner.target,
      name,
      type,
      value: encodeValue(ctx, type, body.value),
      value2: body.value2 ?? '',
    });
    await owner.changed?.();
    created(c, where(owner, name), credentialOut(ctx, stored));
  });

  router.get(`${base}/:credential`, need(spec.permission, 'r'), async (c) => {
    const owner = await spec.resolve(c);
    const name = param(c, 'credential');
    if (owner.localAccount !== undefined && name === localPasswordName) {
      if (owner.localAccount.passwordHash === null) throw notFound(`${owner.label} has no password`);
      ok(c, { name, type: 'password' });
      return;
    }
    const cred = await ctx.stores.credentials.get(owner.target, name);
    if (cred === undefined) throw notFound(`credential "${name}" not found on ${owner.label}`);
    ok(c, credentialOut(ctx, cred));
  });

  router.delete(`${base}/:credential`, need(spec.permission, 'd'), async (c) => {
    const owner = await spec.resolve(c);
    const name = param(c, 'credential');
    if (owner.localAccount !== undefined && name === localPasswordName) {
      const a = owner.localAccount;
      if (a.passwordHash === null) throw notFound(`${owner.label} has no password`);
      await ctx.stores.localAccounts.update(a.id, { ...a, passwordHash: null });
      noContent(c);
      return;
    }
    const cred = await ctx.stores.credentials.get(owner.target, name);
    if (cred === undefined) throw notFound(`credential "${name}" not found on ${owner.label}`);
    await ctx.stores.credentials.delete(cred.id);
    await owner.changed?.();
    noContent(c);
  });
}

/** `PUT …/authorize/:rule/:dir` and `…/revoke/:rule/:dir` (the `rules` permission, as the reference). */
export function registerAccess(router: ApiRouter, ctx: GatewayContext, spec: OwnerSpec): void {
  router.put(`${spec.path}/authorize/:rule/:dir`, need('rules', 'w'), async (c) => {
    const owner = await spec.resolve(c);
    const rule = await findRule(ctx, param(c, 'rule'), direction(c));
    const added = await ctx.stores.rules.authorize(rule.id, owner.target);
    const what = `the ${dirName(rule.isSend)} rule "${rule.name}"`;
    ok(c, {
      message: added
        ? `usage of ${what} is now restricted; ${owner.label} is authorized to use it`
        : `${owner.label} was already authorized to use ${what}`,
    });
  });

  router.put(`${spec.path}/revoke/:rule/:dir`, need('rules', 'w'), async (c) => {
    const owner = await spec.resolve(c);
    const rule = await findRule(ctx, param(c, 'rule'), direction(c));
    const removed = await ctx.stores.rules.revoke(rule.id, owner.target);
    const what = `the ${dirName(rule.isSend)} rule "${rule.name}"`;
    const open = removed && (await ctx.stores.rules.access(rule.id)).length === 0;
    ok(c, {
      message: !removed
        ? `${owner.label} was not explicitly authorized to use ${what}`
        : `${owner.label} is no longer authorized to use ${what}` +
          (open ? `; the rule is now open to everyone` : ''),
    });
  });
}
