/**
 * Creating PLANNED client transfers (POST /api/transfers, retry, and the TRANSFER task), as the
 * reference's Transfer.BeforeWrite: client selection, rule access, retry parameters from the
 * client. The client-transfer engine of whichever node claims the row resolves the real paths.
 */
import { basename } from 'node:path';
import { clientPaths } from './client-paths.js';
import { UniqueViolationError } from '../db/sql.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Client, Partner, RemoteAccount, Rule, Transfer } from '../model/entities.js';
import { TransferError } from '../model/transfer-state.js';

/** A transfer cannot be planned as asked; `kind` says whether something named is missing. */
export class PlanningError extends Error {
  constructor(
    readonly kind: 'invalid' | 'not-found',
    message: string,
  ) {
    super(message);
    this.name = 'PlanningError';
  }
}

const badRequest = (message: string): PlanningError => new PlanningError('invalid', message);
const notFound = (message: string): PlanningError => new PlanningError('not-found', message);

/** A new client's settings (on the fly, or by the API) take the reference's defaults: no automatic retry. */
export const defaultClient = {
  localAddress: '',
  enabled: true,
  nbOfAttempts: 0,
  firstRetryDelay: 0,
  retryIncrementFactor: 1,
  protoConfig: {},
};

async function findClient(ctx: GatewayContext, name: string): Promise<Client> {
  const c = await ctx.stores.clients.get(name);
  if (c === undefined) throw notFound(`client "${name}" not found`);
  return c;
}

/**
 * The client to use for a partner's protocol: the named one, else the only client of that
 * protocol, else one created on the fly (named after the protocol). Several: the caller must choose.
 */
export async function selectClient(ctx: GatewayContext, protocol: string, name?: string): Promise<Client> {
  if (name !== undefined && name !== '') {
    const c = await findClient(ctx, name);
    if (c.protocol !== protocol) {
      throw badRequest(`client "${c.name}" speaks ${c.protocol}, but the partner speaks ${protocol}`);
    }
    return c;
  }
  const candidates = await ctx.stores.clients.list({ protocol: [protocol], limit: 3 });
  const only = candidates[0];
  if (candidates.length > 1) {
    throw badRequest(
      `several ${protocol} clients exist (${candidates.map((c) => c.name).join(', ')}…): name one with "client"`,
    );
  }
  if (only !== undefined) return only;
  try {
    const created = await ctx.stores.clients.create({ ...defaultClient, name: protocol, protocol });
    ctx.log.info({ client: created.name }, 'created a default client for a transfer');
    return created;
  } catch (err) {
    // Another request (maybe through another node) created it first: use that one.
    if (!(err instanceof UniqueViolationError)) throw err;
    const existing = await ctx.stores.clients.get(protocol);
    if (existing?.protocol !== protocol)
      throw badRequest(`no ${protocol} client exists and none can be created`);
    return existing;
  }
}

export interface PlanRequest {
  rule: Rule;
  partner: Partner;
  account: RemoteAccount;
  client: Client;
  file: string;
  output?: string | undefined;
  start: number;
  info: Record<string, unknown>;
  nbOfAttempts?: number | undefined;
  firstRetryDelay?: number | undefined;
  retryIncrementFactor?: number | undefined;
}

export async function planTransfer(ctx: GatewayContext, p: PlanRequest): Promise<Transfer> {
  const { stores } = ctx;
  const allowed = await stores.rules.isAuthorized(
    p.rule.id,
    { kind: 'remoteAccount', id: p.account.id },
    { kind: 'partner', id: p.partner.id },
  );
  if (!allowed) {
    throw badRequest(
      `the ${p.rule.isSend ? 'send' : 'receive'} rule "${p.rule.name}" is not authorized for ` +
        `account "${p.account.login}" of partner "${p.partner.name}"`,
    );
  }
  const src = p.file;
  const dest = p.output ?? basename(p.file);
  try {
    // The checks the transfer would fail at run time, now: a path outside the rule's folder or
    // one of the gateway's own files (key, database) is refused to whoever plans it.
    clientPaths(ctx.config, p.rule, { id: 0, srcFilename: src, destFilename: dest });
  } catch (err) {
    if (err instanceof TransferError) throw badRequest(err.message);
    throw err;
  }
  const tries = p.nbOfAttempts ?? p.client.nbOfAttempts;
  return stores.transfers.create({
    ruleId: p.rule.id,
    clientId: p.client.id,
    localAccountId: null,
    remoteAccountId: p.account.id,
    srcFilename: src,
    destFilename: dest,
    // Placeholders: the client-transfer engine resolves both against the rule's directories.
    localPath: p.rule.isSend ? src : dest,
    remotePath: p.rule.isSend ? dest : src,
    filesize: -1,
    start: p.start,
    status: 'PLANNED',
    step: 'StepNone',
    remainingTries: tries,
    nextRetryDelay: p.firstRetryDelay ?? p.client.firstRetryDelay,
    retryIncrementFactor: p.retryIncrementFactor ?? p.client.retryIncrementFactor,
    nextRetry: p.start,
    node: null,
    info: p.info,
  });
}

/** The rule, partner and account a transfer request names (404 naming the missing one). */
export async function resolveParties(
  ctx: GatewayContext,
  names: { rule: string; isSend: boolean; partner: string; account: string },
): Promise<{ rule: Rule; partner: Partner; account: RemoteAccount }> {
  const rule = await ctx.stores.rules.get(names.rule, names.isSend);
  if (rule === undefined)
    throw notFound(`${names.isSend ? 'send' : 'receive'} rule "${names.rule}" not found`);
  const partner = await ctx.stores.partners.get(names.partner);
  if (partner === undefined) throw notFound(`partner "${names.partner}" not found`);
  const account = await ctx.stores.remoteAccounts.get(partner.id, names.account);
  if (account === undefined) {
    throw notFound(`remote account "${names.account}" not found on partner "${partner.name}"`);
  }
  return { rule, partner, account };
}
