/** `waarp-gateway transfer …` and the deprecated `history …`. */
import type { TransferOut } from '../../schema/transfers.js';
import { TransferIn } from '../../schema/transfers.js';
import { fieldBody, fieldOptions, keyValuesFlag, readDirection } from '../fields.js';
import type { Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, Leaf } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, int, list, need, num, opt, seg } from '../values.js';
import { listLeaf, pagingOptions, pagingQuery } from './shared.js';

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

function getLeaf(base: string, summary: string): Leaf {
  return leaf({
    name: 'get',
    summary,
    args: ['id'],
    run: async (inv) => {
      const r = await inv.client().request<TransferOut>('GET', `${base}/${id(inv)}`);
      show(inv.out, r.body, (t) => displayTransfer(inv.out, t));
    },
  });
}

const addOptions = fieldOptions(TransferIn, {
  file: ['file', { short: 'f', arg: 'FILE' }],
  out: ['output', { short: 'o', arg: 'NAME' }],
  way: ['isSend', { short: 'w', arg: 'send|receive', read: readDirection }],
  partner: ['partner', { short: 'p', arg: 'PARTNER' }],
  login: ['account', { short: 'l', arg: 'LOGIN' }],
  rule: ['rule', { short: 'r', arg: 'RULE' }],
  client: ['client', { short: 'c', arg: 'CLIENT' }],
  date: ['start', { short: 'd', arg: 'DATE' }],
  info: ['transferInfo', { ...keyValuesFlag, short: 'i' }],
  'nb-of-attempts': ['nbOfAttempts', { arg: 'N', read: int }],
  'retry-delay': ['firstRetryDelay', { arg: 'SECONDS', read: int }],
  'retry-increment-factor': ['retryIncrementFactor', { arg: 'X', read: num }],
});

function retryLeaf(base: string): Leaf {
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
      options: addOptions,
      run: async (inv) => {
        for (const option of ['file', 'way', 'partner', 'login', 'rule']) need(inv.values, option);
        const body = fieldBody(addOptions, inv.values);
        const r = await inv.client().request<TransferOut>('POST', '/api/transfers', { body });
        show(inv.out, r.body, (t) =>
          inv.out.line(`The transfer of file "${t.srcFilename}" was successfully added (id ${t.id}).`),
        );
      },
    }),
    getLeaf('/api/transfers', 'show a transfer (running or finished)'),
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
    getLeaf('/api/history', 'show a finished transfer'),
    listLeaf<TransferOut>({
      summary: 'list finished transfers',
      path: () => '/api/history',
      filters: {
        requester: { type: 'string', arg: 'LOGIN', multiple: true, doc: 'only this account' },
        requested: { type: 'string', arg: 'NAME', multiple: true, doc: 'only this server or partner' },
        rule: { type: 'string', short: 'r', arg: 'RULE', multiple: true, doc: 'only this rule' },
        status: { type: 'string', short: 't', arg: 'STATUS', multiple: true, doc: 'DONE or CANCELLED' },
        protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
        start: { type: 'string', arg: 'DATE', doc: 'started at or after DATE' },
        stop: { type: 'string', arg: 'DATE', doc: 'ended at or before DATE' },
      },
      key: 'history',
      plural: 'finished transfers',
      line: displayTransfer,
    }),
    retryLeaf('/api/history'),
  ],
});
