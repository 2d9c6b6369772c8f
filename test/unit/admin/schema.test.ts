import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageOf, validatorOf } from '../../../src/admin/validate.js';
import { auditResults, auditSortKeys } from '../../../src/db/stores/audit.js';
import { transferSortKeys } from '../../../src/db/stores/transfers.js';
import { auditResultNames, auditSortKeyNames, transferSortKeyNames } from '../../../src/schema/lists.js';

const problem = (name: Parameters<typeof validatorOf>[0], body: unknown): string | undefined => {
  const e = validatorOf(name).firstError(body);
  return e === undefined ? undefined : messageOf(e);
};

describe('contract schemas', () => {
  it('word errors as the API always has, naming the field by its path', () => {
    const server = { name: 's', protocol: 'sftp', address: 'h:1' };
    assert.equal(problem('ServerIn', server), undefined);
    assert.equal(problem('ServerIn', []), 'the request body must be a JSON object, got an array');
    assert.equal(
      problem('ServerIn', { ...server, name: 'a/b' }),
      'field "name" must not contain "/", control characters or surrounding spaces',
    );
    assert.equal(problem('ServerIn', { ...server, name: '  ' }), 'field "name" must not be empty');
    assert.equal(
      problem('ServerIn', { ...server, address: 'h' }),
      'field "address" must be an address "host:port", got "h"',
    );
    assert.equal(problem('ServerIn', { name: 's', protocol: 'sftp' }), 'missing required field "address"');
    assert.equal(problem('ServerIn', { ...server, protocol: 'ftp' }), 'field "protocol" must be one of sftp');
    assert.equal(
      problem('ClientIn', { name: 'c', protocol: 'sftp', nbOfAttempts: 1001 }),
      'field "nbOfAttempts" must be <= 1000',
    );
    assert.equal(
      problem('ClientIn', { name: 'c', protocol: 'sftp', nbOfAttempts: 1.5 }),
      'field "nbOfAttempts" must be an integer, got a number',
    );
    assert.equal(
      problem('LocalAccountIn', { login: 'a', ipAddresses: ['10.0.0.0/8', 'not-an-ip'] }),
      'field "ipAddresses[1]" must be an IP address or a CIDR block, got "not-an-ip"',
    );
    assert.equal(
      problem('RuleIn', { name: 'r', isSend: true, preTasks: [{ type: 'copy', rank: 1 }] }),
      'unknown field "preTasks[0].rank" (expected: type, args)',
    );
    assert.equal(
      problem('RuleIn', { name: 'r', isSend: true, preTasks: [{ type: 'copy', args: { path: null } }] }),
      'field "preTasks[0].args.path" must not be null',
    );
    assert.match(
      problem('RuleIn', { name: 'r', isSend: true, postTasks: [{ type: 'FLY' }] }) ?? '',
      /field "postTasks\[0\]\.type" names an unknown task type "FLY"/,
    );
    assert.equal(
      problem('RuleIn', { name: 'r', isSend: true, partnerChanges: ['mkdir', 'fly'] }),
      'field "partnerChanges[1]" must be one of mkdir, rmdir, remove, rename, setstat',
    );
    assert.equal(problem('RuleIn', { name: 'r', isSend: true, partnerChanges: null }), undefined);
    assert.equal(
      problem('TransferIn', {
        rule: 'r',
        isSend: true,
        partner: 'p',
        account: 'a',
        file: 'f',
        start: 'soon',
      }),
      'field "start" must be an RFC 3339 date, got "soon"',
    );
    assert.equal(
      problem('UserIn', { username: 'u', password: 'p', perms: { nope: 'r' } }),
      'unknown field "perms.nope" (expected: transfers, servers, partners, rules, users, administration)',
    );
  });

  it('name the same sort keys and audit results as the stores', () => {
    assert.deepEqual([...transferSortKeyNames].sort(), Object.keys(transferSortKeys).sort());
    assert.deepEqual([...auditSortKeyNames].sort(), Object.keys(auditSortKeys).sort());
    assert.deepEqual([...auditResultNames], [...auditResults]);
  });
});
