import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipAllowed } from '../../../src/sftp/ip-allow.js';
import { normalizeIp } from '../../../src/util/ip.js';

describe('IP allow-lists', () => {
  it('allows everyone when empty', () => {
    assert.equal(ipAllowed('203.0.113.9', []), true);
  });

  it('matches exact addresses and CIDRs, IPv4 and IPv6', () => {
    const list = ['192.0.2.10', '10.0.0.0/8', '2001:db8::/32'];
    assert.equal(ipAllowed('192.0.2.10', list), true);
    assert.equal(ipAllowed('192.0.2.11', list), false);
    assert.equal(ipAllowed('10.200.3.4', list), true);
    assert.equal(ipAllowed('11.0.0.1', list), false);
    assert.equal(ipAllowed('2001:db8::1', list), true);
    assert.equal(ipAllowed('2001:db9::1', list), false);
  });

  it('treats IPv4-mapped IPv6 addresses as IPv4, both ways', () => {
    assert.equal(normalizeIp('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8']), true);
    assert.equal(ipAllowed('10.1.2.3', ['::ffff:10.1.2.3']), true);
  });

  it('ignores malformed entries instead of widening the list', () => {
    assert.equal(ipAllowed('10.0.0.1', ['not-an-ip', '10.0.0.0/99']), false);
    assert.equal(ipAllowed('garbage', ['0.0.0.0/0']), false);
  });
});
