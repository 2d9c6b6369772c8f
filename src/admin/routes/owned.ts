/**
 * Sub-resources every server, partner and account has: credentials and rule access
 * (authorize/revoke). One implementation, mounted under each owner's path.
 */
import type { GatewayContext } from '../../gateway/context.js';
import type { AccessTarget, LocalAccount } from '../../model/entities.js';
import type { PermissionTarget } from '../../model/permissions.js';
import { readJson } from '../body.js';
import { checkType, credentialOut, encodeValue } from '../credentials.js';
import { localPasswordName } from '../dto/accounts.js';
import { badRequest, notFound } from '../errors.js';
import type { ApiContext, ApiRouter } from '../http.js';
import { created, dirName, direction, noContent, ok, param } from '../http.js';
import { findRule } from '../lookup.js';
import type { Operation } from '../operation.js';
import { created as createdReply, messageReply, ref, reply, route } from '../operation.js';
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

type OwnedOperations = Record<
  'addCredential' | 'getCredential' | 'deleteCredential' | 'authorize' | 'revoke',
  Operation
>;

/**
 * The operations under an owner's path (`/api/servers/:server`), guarded by `perm` (servers or
 * partners); rule access needs `rules:w`, as the reference.
 */
export function ownedOperations(path: string, tag: string, perm: PermissionTarget): OwnedOperations {
  const access = (action: 'authorize' | 'revoke', summary: string): Operation => ({
    method: 'put',
    path: `${path}/${action}/:rule/:dir`,
    tag,
    summary,
    perm: 'rules:w',
    ok: [200, messageReply('Done')],
    errs: [400, 404],
  });
  const credential = `${path}/credentials/:credential`;
  return {
    addCredential: {
      method: 'post',
      path: `${path}/credentials`,
      tag,
      summary: 'Add a credential',
      perm: `${perm}:w`,
      body: 'CredentialIn',
      ok: [201, createdReply('Credential')],
      errs: [400, 404, 409],
    },
    getCredential: {
      method: 'get',
      path: credential,
      tag,
      summary: 'Get a credential (no secret)',
      perm: `${perm}:r`,
      ok: [200, reply('The credential', ref('Credential'))],
      errs: [404],
    },
    deleteCredential: {
      method: 'delete',
      path: credential,
      tag,
      summary: 'Delete a credential',
      perm: `${perm}:d`,
      ok: [204, reply('Deleted')],
      errs: [404],
    },
    authorize: access('authorize', 'Authorize on a rule (restricts the rule)'),
    revoke: access('revoke', 'Revoke from a rule'),
  };
}

export interface OwnerSpec {
  /** The operations under the owner's path (`ownedOperations`). */
  ops: OwnedOperations;
  resolve(c: ApiContext): Promise<Owner>;
}

/** Credentials and rule access of the owner `spec` resolves. */
export function ownedRoutes(router: ApiRouter, ctx: GatewayContext, spec: OwnerSpec): void {
  registerCredentials(router, ctx, spec);
  registerAccess(router, ctx, spec);
}

function registerCredentials(router: ApiRouter, ctx: GatewayContext, spec: OwnerSpec): void {
  const where = (o: Owner, name: string): string => `${o.location}/credentials/${encodeURIComponent(name)}`;

  route(router, spec.ops.addCredential, async (c) => {
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

  route(router, spec.ops.getCredential, async (c) => {
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

  route(router, spec.ops.deleteCredential, async (c) => {
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
function registerAccess(router: ApiRouter, ctx: GatewayContext, spec: OwnerSpec): void {
  route(router, spec.ops.authorize, async (c) => {
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

  route(router, spec.ops.revoke, async (c) => {
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
