/** The Origin check every change of the console goes through (with the session's CSRF token). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Koa from 'koa';
import { foreignOrigin } from '../../../src/webui/guard.js';

/** Just enough of a koa context: request headers, case-insensitive. */
function request(headers: Record<string, string>): Koa.Context {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name: string) => lower[name.toLowerCase()] ?? '' } as unknown as Koa.Context;
}

void test('a request from the console itself passes, behind any proxy (no IP involved)', () => {
  const host = { Host: 'gw.example:8080' };
  assert.equal(foreignOrigin(request({ ...host, Origin: 'http://gw.example:8080' })), undefined);
  assert.equal(foreignOrigin(request({ ...host, Origin: 'https://GW.example:8080' })), undefined);
  assert.equal(foreignOrigin(request({ ...host, Referer: 'http://gw.example:8080/webui/x' })), undefined);
  assert.equal(
    foreignOrigin(request({ ...host, Origin: 'http://gw.example:8080', 'Sec-Fetch-Site': 'same-origin' })),
    undefined,
  );
});

void test('another site, another port, no origin or a junk one is refused, saying why', () => {
  const host = { Host: 'gw.example:8080' };
  assert.match(
    foreignOrigin(request({ ...host, Origin: 'http://evil.example' })) ?? '',
    /is not this console/,
  );
  assert.match(
    foreignOrigin(request({ ...host, Origin: 'http://gw.example:9999' })) ?? '',
    /is not this console/,
  );
  assert.match(
    foreignOrigin(request({ ...host, Origin: 'http://gw.example:8080', 'Sec-Fetch-Site': 'same-site' })) ??
      '',
    /another site or origin \(Sec-Fetch-Site: same-site\)/,
  );
  assert.match(foreignOrigin(request(host)) ?? '', /names no Origin/);
  assert.match(foreignOrigin(request({ ...host, Origin: 'null' })) ?? '', /names no Origin/);
  assert.match(foreignOrigin(request({ ...host, Origin: 'not a url' })) ?? '', /is not a URL/);
});
