/** `waarp-gateway transfer …` and the deprecated `history …`. */
import type { TransferOut } from '../../schema/transfers.js';
import type { Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, direction, int, keyValues, list, need, num, opt, put, seg } from '../values.js';
import { pagingOptions, pagingQuery } from './shared.js';

export function displayTransfer(out: Output, t: TransferOut): void {
  const fields: [string, unknown][] = [
    ['Remote ID', t.remoteID],
    ['Side', t.isServer ? 'server (the partner connected)' : 'client (we connected)'],
    ['Way', t.isSend ? 'send' : 'receive'],
    ['Protocol', t.protocol],
    ['Rule', t.rule],
    ['Requester', t.requester],
    ['Requested', t.requested],
    ['Client', t.client],
    ['Source file', t.srcFilename],
    ['Destination file', t.destFilename],
    ['Local path', t.localFilepath],
    ['Remote path', t.remoteFilepath],
    ['File size', t.filesize < 0 ? 'unknown' : t.filesize],
    ['Start', t.start],
    ['End', t.stop],
    ['Status', t.status],
    ['Step', t.step],
    ['Progress (bytes)', t.progress],
    ['Task number', t.taskNumber],
    ['Error', t.errorCode === 'TeOk' ? undefined : `${t.errorCode}: ${t.errorMsg}`],
    ['Remaining attempts', t.remainingAttempts],
    ['Next attempt', t.nextAttempt],
    ['Node', t.node],
    ['Transfer info', t.transferInfo],
  ];
  block(out, `Transfer ${t.id}`, fields);
}

const id = (inv: Invocation): string => {
  const v = arg(inv, 'id');
  return seg(v);
};

const dateOption = {
  type: 'string',
  short: 'd',
  arg: 'DATE',
  doc: 'RFC 3339 date, e.g. 2030-01-31T12:00:00Z',
} as const;

function retryLeaf(base: string): ReturnType<typeof leaf> {
  return leaf({
    name: 'retry',
    summary: 'plan a new transfer copying this one',
    args: ['id'],
    options: { date: dateOption },
    run: async (inv) => {
      const r = await inv.client().request<TransferOut>('PUT', `${base}/${id(inv)}/retry`, {
        query: { date: opt(inv.values, 'date') },
      });
      show(inv.out, r.body, (t) =>
        inv.out.line(`The transfer will be retried as transfer ${t.id}, at ${t.start}.`),
      );
    },
  });
}

export const transferCommand: Group = group({
  name: 'transfer',
  summary: 'plan, follow and act on transfers',
  children: [
    leaf({
      name: 'add',
      summary: 'plan a client transfer',
      options: {
        file: { type: 'string', short: 'f', arg: 'FILE', doc: 'file to send or to fetch' },
        out: {
          type: 'string',
          short: 'o',
          arg: 'NAME',
          doc: 'destination name (default: the base name of FILE)',
        },
        way: { type: 'string', short: 'w', arg: 'send|receive', doc: 'direction' },
        partner: { type: 'string', short: 'p', arg: 'PARTNER', doc: 'partner' },
        login: { type: 'string', short: 'l', arg: 'LOGIN', doc: 'our account on the partner' },
        rule: { type: 'string', short: 'r', arg: 'RULE', doc: 'rule' },
        client: {
          type: 'string',
          short: 'c',
          arg: 'CLIENT',
          doc: 'client (default: the only one of the protocol)',
        },
        date: { ...dateOption, doc: 'when to start (default now)' },
        info: { type: 'string', short: 'i', arg: 'KEY:VAL', multiple: true, doc: 'transfer info' },
        'nb-of-attempts': { type: 'string', arg: 'N', doc: "automatic retries (default: the client's)" },
        'retry-delay': { type: 'string', arg: 'SECONDS', doc: 'first retry delay' },
        'retry-increment-factor': { type: 'string', arg: 'X', doc: 'retry delay factor' },
      },
      run: async (inv) => {
        const v = inv.values;
        const body: Record<string, unknown> = {
          file: need(v, 'file'),
          isSend: direction(need(v, 'way'), 'way'),
          partner: need(v, 'partner'),
          account: need(v, 'login'),
          rule: need(v, 'rule'),
        };
        put(body, 'output', opt(v, 'out'));
        put(body, 'client', opt(v, 'client'));
        put(body, 'start', opt(v, 'date'));
        put(body, 'nbOfAttempts', int(v, 'nb-of-attempts'));
        put(body, 'firstRetryDelay', int(v, 'retry-delay'));
        put(body, 'retryIncrementFactor', num(v, 'retry-increment-factor'));
        const info = list(v, 'info');
        if (info.length > 0) body.transferInfo = keyValues(info, 'info');
        const r = await inv.client().request<TransferOut>('POST', '/api/transfers', { body });
        show(inv.out, r.body, (t) =>
          inv.out.line(`The transfer of file "${t.srcFilename}" was successfully added (id ${t.id}).`),
        );
      },
    }),
    leaf({
      name: 'get',
      summary: 'show a transfer (running or finished)',
      args: ['id'],
      run: async (inv) => {
        const r = await inv.client().request<TransferOut>('GET', `/api/transfers/${id(inv)}`);
        show(inv.out, r.body, (t) => displayTransfer(inv.out, t));
      },
    }),
    leaf({
      name: 'list',
      summary: 'list transfers',
      options: {
        ...pagingOptions,
        rule: { type: 'string', short: 'r', arg: 'RULE', multiple: true, doc: 'only this rule' },
        status: {
          type: 'string',
          short: 't',
          arg: 'STATUS',
          multiple: true,
          doc: 'only this status (PLANNED, RUNNING, …)',
        },
        date: { ...dateOption, doc: 'only those started at or after DATE' },
      },
      run: async (inv) => {
        const query = {
          ...pagingQuery(inv),
          rule: list(inv.values, 'rule'),
          status: list(inv.values, 'status'),
          start: opt(inv.values, 'date'),
        };
        const r = await inv
          .client()
          .request<{ transfers: TransferOut[] }>('GET', '/api/transfers', { query });
        showList(inv.out, r.body, r.body.transfers, 'transfers', (t) => displayTransfer(inv.out, t));
      },
    }),
    ...(['pause', 'resume', 'cancel'] as const).map((action) =>
      leaf({
        name: action,
        summary: `${action} a transfer`,
        args: ['id'],
        run: async (inv) => {
          const r = await inv.client().request('PUT', `/api/transfers/${id(inv)}/${action}`);
          done(inv.out, r.body, `${action} requested`);
        },
      }),
    ),
    retryLeaf('/api/transfers'),
    leaf({
      name: 'cancel-all',
      summary: 'cancel every transfer of a status',
      options: {
        target: {
          type: 'string',
          short: 't',
          arg: 'TARGET',
          doc: 'planned, running, paused, interrupted, error or all',
        },
      },
      run: async (inv) => {
        const r = await inv
          .client()
          .request('DELETE', '/api/transfers', { query: { target: need(inv.values, 'target') } });
        done(inv.out, r.body, 'Transfers cancelled.');
      },
    }),
  ],
});

export const historyCommand: Group = group({
  name: 'history',
  summary: 'finished transfers (deprecated in the reference: use transfer)',
  children: [
    leaf({
      name: 'get',
      summary: 'show a finished transfer',
      args: ['id'],
      run: async (inv) => {
        const r = await inv.client().request<TransferOut>('GET', `/api/history/${id(inv)}`);
        show(inv.out, r.body, (t) => displayTransfer(inv.out, t));
      },
    }),
    leaf({
      name: 'list',
      summary: 'list finished transfers',
      options: {
        ...pagingOptions,
        requester: { type: 'string', arg: 'LOGIN', multiple: true, doc: 'only this account' },
        requested: { type: 'string', arg: 'NAME', multiple: true, doc: 'only this server or partner' },
        rule: { type: 'string', short: 'r', arg: 'RULE', multiple: true, doc: 'only this rule' },
        status: { type: 'string', short: 't', arg: 'STATUS', multiple: true, doc: 'DONE or CANCELLED' },
        protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
        start: { type: 'string', arg: 'DATE', doc: 'started at or after DATE' },
        stop: { type: 'string', arg: 'DATE', doc: 'ended at or before DATE' },
      },
      run: async (inv) => {
        const v = inv.values;
        const query = {
          ...pagingQuery(inv),
          requester: list(v, 'requester'),
          requested: list(v, 'requested'),
          rule: list(v, 'rule'),
          status: list(v, 'status'),
          protocol: list(v, 'protocol'),
          start: opt(v, 'start'),
          stop: opt(v, 'stop'),
        };
        const r = await inv.client().request<{ history: TransferOut[] }>('GET', '/api/history', { query });
        showList(inv.out, r.body, r.body.history, 'finished transfers', (t) => displayTransfer(inv.out, t));
      },
    }),
    retryLeaf('/api/history'),
  ],
});
