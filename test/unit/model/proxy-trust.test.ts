import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddress } from '../../../src/admin/client-address.js';
import { isTrustedProxy, proxyProtocolProblem } from '../../../src/model/proxy-trust.js';

describe('the proxy trust rule', () => {
  it('trusts nobody with an empty list, and only the listed addresses otherwise', () => {
    assert.equal(isTrustedProxy('127.0.0.1', []), false);
    assert.equal(isTrustedProxy('10.203.47.2', ['10.203.47.2']), true);
    assert.equal(isTrustedProxy('::ffff:10.203.47.2', ['10.203.47.2']), true);
    assert.equal(isTrustedProxy('10.203.47.3', ['10.203.47.2']), false);
    assert.equal(isTrustedProxy('10.203.47.3', ['10.203.47.0/24']), true);
  });

  it('governs X-Forwarded-For the same way', () => {
    // Nobody trusted: the header is ignored, whoever sends it.
    assert.equal(clientAddress('127.0.0.1', '203.0.113.77', []), '127.0.0.1');
    // A forged header from an untrusted peer.
    assert.equal(clientAddress('192.0.2.9', '203.0.113.77', ['10.203.47.2']), '192.0.2.9');
    // A trusted proxy without the header is itself the client.
    assert.equal(clientAddress('10.203.47.2', undefined, ['10.203.47.2']), '10.203.47.2');
    assert.equal(clientAddress('10.203.47.2', '203.0.113.77', ['10.203.47.2']), '203.0.113.77');
  });

  it('refuses proxyProtocol without trusted proxies, or with a value that is not a boolean', () => {
    assert.equal(proxyProtocolProblem({}, []), undefined);
    assert.equal(proxyProtocolProblem({ proxyProtocol: false }, []), undefined);
    assert.equal(proxyProtocolProblem({ proxyProtocol: true }, ['10.203.47.2']), undefined);
    assert.match(
      proxyProtocolProblem({ proxyProtocol: true }, []) ?? '',
      /^protoConfig\.proxyProtocol is true but \[admin\] TrustedProxies is empty/,
    );
    assert.match(
      proxyProtocolProblem({ proxyProtocol: 'yes' }, ['10.0.0.1']) ?? '',
      /protoConfig\.proxyProtocol must be true or false/,
    );
  });
});
