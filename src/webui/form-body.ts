/** The console's own small forms (login, TOTP, logout): `application/x-www-form-urlencoded`, bounded. */
import type Koa from 'koa';
import { PageError } from './context.js';
import { foreignOrigin } from './guard.js';
import { sameSecret } from './sessions.js';

const limit = 16 * 1024;

export async function readForm(kctx: Koa.Context): Promise<URLSearchParams> {
  const declared = Number(kctx.get('Content-Length'));
  if (Number.isFinite(declared) && declared > limit) throw new PageError(413, 'the form is too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of kctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new PageError(413, 'the form is too large');
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A console form that changes something: it must come from this console's origin and carry the
 * session's CSRF token (`_csrf`).
 */
export async function readCheckedForm(kctx: Koa.Context, csrfToken: string): Promise<URLSearchParams> {
  const why = foreignOrigin(kctx);
  if (why !== undefined) throw new PageError(403, `refused: ${why}`);
  const form = await readForm(kctx);
  if (!sameSecret(form.get('_csrf') ?? '', csrfToken)) {
    throw new PageError(403, 'refused: missing or wrong CSRF token');
  }
  return form;
}
