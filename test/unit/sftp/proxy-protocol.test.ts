import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  encodeProxyV2,
  parseProxyV2,
  ProxyProtocolError,
  readProxyHeader,
} from '../../../src/sftp/proxy-protocol.js';

describe('PROXY protocol v2', () => {
  it('parses an IPv4 header and keeps the bytes after it', () => {
    const header = encodeProxyV2(
      { address: '203.0.113.7', port: 51000 },
      { address: '10.0.0.2', port: 2223 },
    );
    const parsed = parseProxyV2(Buffer.concat([header, Buffer.from('SSH-2.0-x\r\n')]));
    assert.deepEqual(parsed?.header, {
      command: 'proxy',
      source: { address: '203.0.113.7', port: 51000 },
      destination: { address: '10.0.0.2', port: 2223 },
    });
    assert.equal(parsed?.rest.toString(), 'SSH-2.0-x\r\n');
  });

  it('parses IPv6 and shows IPv4-mapped sources as IPv4', () => {
    const v6 = parseProxyV2(encodeProxyV2({ address: '2001:db8::5', port: 1 }, { address: '::1', port: 2 }));
    assert.equal(v6?.header.source?.address, '2001:db8::5');
    const mapped = parseProxyV2(
      encodeProxyV2({ address: '::ffff:c000:0201', port: 1 }, { address: '::1', port: 2 }),
    );
    assert.equal(mapped?.header.source?.address, '192.0.2.1');
  });

  it('writes IPv6 sources as Node writes a socket address (longest run of zeros compressed)', async () => {
    const source = (address: string): string | undefined =>
      parseProxyV2(encodeProxyV2({ address, port: 1 }, { address: '::1', port: 2 }))?.header.source?.address;
    // RFC 5952 4.2.3: the longest run is compressed, the first one on a tie, never a lone zero.
    assert.equal(source('2001:db8:0:0:1:0:0:0'), '2001:db8:0:0:1::');
    assert.equal(source('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(source('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(source('2001:DB8::5'), '2001:db8::5');
    assert.equal(source('::'), '::');
    // A proxied client gets the key a direct one gets from its socket (bans, allow-lists).
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as AddressInfo).port, '::1');
    const direct = (await accepted).remoteAddress;
    client.destroy();
    server.close();
    assert.equal(source('0:0:0:0:0:0:0:1'), direct);
  });

  it('waits for more bytes on a partial header', () => {
    const header = encodeProxyV2({ address: '1.2.3.4', port: 1 }, { address: '5.6.7.8', port: 2 });
    assert.equal(parseProxyV2(header.subarray(0, 5)), undefined);
    assert.equal(parseProxyV2(header.subarray(0, 20)), undefined);
  });

  it('treats LOCAL (health checks) as no address', () => {
    const local = encodeProxyV2({ address: '1.2.3.4', port: 1 }, { address: '5.6.7.8', port: 2 });
    local[12] = 0x20;
    assert.deepEqual(parseProxyV2(local)?.header, { command: 'local' });
  });

  it('rejects data that is not a PROXY v2 header', () => {
    assert.throws(() => parseProxyV2(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), ProxyProtocolError);
    assert.throws(() => parseProxyV2(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')), ProxyProtocolError);
    const bad = encodeProxyV2({ address: '1.2.3.4', port: 1 }, { address: '5.6.7.8', port: 2 });
    bad[12] = 0x11;
    assert.throws(() => parseProxyV2(bad), /version 1/);
    const long = encodeProxyV2({ address: '1.2.3.4', port: 1 }, { address: '5.6.7.8', port: 2 });
    long.writeUInt16BE(60000, 14);
    assert.throws(() => parseProxyV2(long), /too long/);
  });

  it('reads a header from a socket split over several packets, then hands over the rest', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect(port, '127.0.0.1');
    const header = encodeProxyV2({ address: '198.51.100.4', port: 4242 }, { address: '127.0.0.1', port });
    client.write(header.subarray(0, 7));
    const socket = await accepted;
    const reading = readProxyHeader(socket, 2000);
    setTimeout(() => client.write(Buffer.concat([header.subarray(7), Buffer.from('hello')])), 50);
    const result = await reading;
    assert.equal(result.source?.address, '198.51.100.4');
    const rest = await new Promise<Buffer>((resolve) => {
      socket.once('data', resolve);
      socket.resume();
    });
    assert.equal(rest.toString(), 'hello');
    client.destroy();
    socket.destroy();
    server.close();
  });

  it('gives up on a silent connection', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const socket = await accepted;
    await assert.rejects(readProxyHeader(socket, 100), /no PROXY header in time/);
    client.destroy();
    socket.destroy();
    server.close();
  });
});
