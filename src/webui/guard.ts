/**
 * The console's defences that do not depend on the session: the Origin check every change goes
 * through (with the session-bound CSRF token), and the response headers of every console page.
 */
import type Koa from 'koa';

/**
 * Why a state-changing request does not come from a page of this console, or undefined when it
 * does. The browser's `Sec-Fetch-Site` is used when sent; the `Origin` (else `Referer`) must
 * name the host the request was sent to. A request carrying neither is refused: every browser
 * sends Origin on a form POST and on a fetch that is not a GET.
 */
export function foreignOrigin(kctx: Koa.Context): string | undefined {
  const site = kctx.get('Sec-Fetch-Site');
  if (site !== '' && site !== 'same-origin' && site !== 'none') {
    return `the request comes from another site or origin (Sec-Fetch-Site: ${site})`;
  }
  const host = kctx.get('Host');
  const origin = kctx.get('Origin');
  const referer = kctx.get('Referer');
  const source = origin !== '' ? origin : referer;
  if (source === '' || source === 'null') return 'the request names no Origin';
  let sourceHost: string;
  try {
    sourceHost = new URL(source).host;
  } catch {
    return `the Origin ${JSON.stringify(source)} is not a URL`;
  }
  if (host === '' || sourceHost.toLowerCase() !== host.toLowerCase()) {
    return `the Origin ${JSON.stringify(source)} is not this console (${host})`;
  }
  return undefined;
}

/**
 * Content-Security-Policy of every console response: scripts, styles and connections only from
 * this origin (no inline script, no eval, no CDN), forms only to it, no framing.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function setPageHeaders(kctx: Koa.Context, nodeName: string): void {
  kctx.set('Content-Security-Policy', contentSecurityPolicy);
  kctx.set('X-Content-Type-Options', 'nosniff');
  kctx.set('Referrer-Policy', 'same-origin');
  kctx.set('X-Frame-Options', 'DENY');
  // Pages hold transfer and partner data: never kept by shared caches or the back button cache.
  kctx.set('Cache-Control', 'no-store');
  // Which node answered (the console works through any; tests and operators can see which).
  kctx.set('X-Gateway-Node', nodeName);
}
