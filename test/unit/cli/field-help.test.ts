/**
 * The CLI's help for an option that sets a field of an admin object is the field's schema
 * (src/schema): its description, its choices and its bounds. The table below names, for each
 * command that writes an object, the field each of its options sets; every option of those
 * commands must be in it, so a new flag cannot come with help of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { root } from '../../../src/cli/cli.js';
import type { FieldSchema } from '../../../src/cli/fields.js';
import type { Group, Leaf } from '../../../src/cli/tree.js';
import { helpText } from '../../../src/cli/tree.js';
import type { ComponentName } from '../../../src/schema/index.js';
import { components } from '../../../src/schema/index.js';

const agent = { name: 'name', protocol: 'protocol', config: 'protoConfig' };
const retries = {
  'nb-of-attempts': 'nbOfAttempts',
  'retry-increment-factor': 'retryIncrementFactor',
};
const credential = { name: 'name', type: 'type', value: 'value', value2: 'value2' };

/** Command → the schema it writes → option → field. */
const writers: [command: string[], schema: ComponentName, flags: Record<string, string>][] = [
  ...(['add', 'update'] as const).flatMap((verb) => {
    const s = (name: string): ComponentName => `${name}${verb === 'add' ? 'In' : 'Patch'}` as ComponentName;
    return [
      [
        ['server', verb],
        s('Server'),
        {
          ...agent,
          address: 'address',
          'root-dir': 'rootDir',
          'receive-dir': 'receiveDir',
          'send-dir': 'sendDir',
          'tmp-dir': 'tmpReceiveDir',
        },
      ],
      [
        ['client', verb],
        s('Client'),
        {
          ...agent,
          ...retries,
          'local-address': 'localAddress',
          'first-retry-delay': 'firstRetryDelay',
        },
      ],
      [['partner', verb], s('Partner'), { ...agent, address: 'address' }],
      [
        ['account', 'local', verb],
        s('LocalAccount'),
        { login: 'login', password: 'password', ip: 'ipAddresses' },
      ],
      [['account', 'remote', verb], s('RemoteAccount'), { login: 'login', password: 'password' }],
      [
        ['rule', verb],
        s('Rule'),
        {
          name: 'name',
          direction: 'isSend',
          comment: 'comment',
          path: 'path',
          'local-dir': 'localDir',
          'remote-dir': 'remoteDir',
          'tmp-dir': 'tmpLocalRcvDir',
          'shared-folder': 'sharedFolder',
          'partner-changes': 'partnerChanges',
          pre: 'preTasks',
          post: 'postTasks',
          err: 'errorTasks',
        },
      ],
      [['user', verb], s('User'), { username: 'username', password: 'password', rights: 'perms' }],
    ] satisfies typeof writers;
  }),
  [['user', 'password'], 'OwnPasswordIn', { password: 'password' }],
  ...[['server'], ['partner'], ['account', 'local'], ['account', 'remote']].map(
    (owner) =>
      [[...owner, 'credential', 'add'], 'CredentialIn', credential] satisfies (typeof writers)[number],
  ),
  [
    ['transfer', 'add'],
    'TransferIn',
    {
      ...retries,
      file: 'file',
      out: 'output',
      way: 'isSend',
      partner: 'partner',
      login: 'account',
      rule: 'rule',
      client: 'client',
      date: 'start',
      info: 'transferInfo',
      'retry-delay': 'firstRetryDelay',
    },
  ],
];

function leafAt(words: string[]): Leaf {
  let node: Group | Leaf = root;
  for (const word of words) {
    assert.equal(node.kind, 'group', `${words.join(' ')}: ${node.name} is a command, not a group`);
    const next: Group | Leaf | undefined = node.children.find((c) => c.name === word);
    assert.ok(next, `no command ${words.join(' ')}`);
    node = next;
  }
  assert.equal(node.kind, 'leaf', `${words.join(' ')} is a group`);
  return node;
}

/** The help of `--flag` (`  -n, --name NAME   doc`, and the doc's next lines), on one line. */
function helpLine(words: string[], flag: string): string {
  const text = helpText(['waarp-gateway', ...words], leafAt(words));
  const lines = text.split('\n');
  const first = lines.findIndex((l) => new RegExp(`^\\s+(-\\w, )?--${flag}\\b`).test(l));
  assert.ok(first >= 0, `${words.join(' ')} -h shows no --${flag}:\n${text}`);
  const next = lines.slice(first + 1).findIndex((l) => !/^ {20}/.test(l));
  const doc = lines.slice(first, next < 0 ? undefined : first + 1 + next);
  return doc.map((l) => l.trim()).join(' ');
}

describe('CLI help of the options that set a field', () => {
  for (const [words, schema, flags] of writers) {
    const properties = (components[schema] as { properties: Record<string, FieldSchema> }).properties;

    it(`${words.join(' ')}: every option sets a field of ${schema}`, () => {
      assert.deepEqual(Object.keys(leafAt(words).options ?? {}).sort(), Object.keys(flags).sort());
    });

    for (const [flag, field] of Object.entries(flags)) {
      it(`${words.join(' ')} --${flag}: the description and bounds of ${schema}.${field}`, () => {
        const s = properties[field];
        assert.ok(s, `${schema} has no field ${field}`);
        assert.ok(
          s.description !== undefined && s.description !== '',
          `${schema}.${field} has no description`,
        );
        const line = helpLine(words, flag);
        assert.ok(line.includes(s.description), `--${flag}: "${line.trim()}" lacks "${s.description}"`);
        for (const value of s.enum ?? s.items?.enum ?? [])
          assert.ok(line.includes(value), `${line}: ${value}`);
        for (const bound of [s.minimum, s.maximum, s.maxItems]) {
          if (bound !== undefined) assert.ok(line.includes(String(bound)), `${line}: bound ${bound}`);
        }
      });
    }
  }
});
