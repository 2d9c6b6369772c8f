/**
 * Reads a JSON request body without a body-parser dependency, with the bounds every route gets
 * whatever its schema: `application/json` (415 otherwise, so a cross-site form cannot post),
 * a size limit (413), UTF-8 only, at most `maxJsonDepth` levels, no duplicate keys, no lone
 * surrogates (400 naming the cause). Route schemas then check the fields.
 */
import type Koa from 'koa';
import { ApiError, badRequest } from './errors.js';
import { jsonTextProblem, maxJsonDepth, nestingAbove } from './json-bounds.js';

export const maxBodyBytes = 1024 * 1024;

function tooLarge(): ApiError {
  return new ApiError('E_TOO_LARGE', `the request body is larger than ${maxBodyBytes} bytes`, {
    Connection: 'close',
  });
}

/** True when the request carries a body (a length above 0, or chunks). */
export function hasBody(ctx: Koa.Context): boolean {
  if (ctx.get('Transfer-Encoding') !== '') return true;
  const length = Number(ctx.get('Content-Length') || '0');
  return !Number.isFinite(length) || length > 0;
}

/** 415 unless the body is declared `application/json` (in UTF-8, the only charset JSON has). */
export function requireJsonType(ctx: Koa.Context): void {
  const [type = '', ...params] = ctx.get('Content-Type').split(';');
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  if (type.trim().toLowerCase() !== 'application/json') {
    const given = type.trim() === '' ? 'no Content-Type' : `Content-Type "${type.trim()}"`;
    throw new ApiError('E_UNSUPPORTED_MEDIA_TYPE', `request bodies must be application/json, got ${given}`);
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError('E_UNSUPPORTED_MEDIA_TYPE', `JSON bodies must be UTF-8, got charset "${charset}"`);
  }
}

async function readRaw(ctx: Koa.Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw tooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function parseBody(ctx: Koa.Context, limit: number): Promise<unknown> {
  if (!hasBody(ctx)) throw badRequest('a JSON body is required');
  requireJsonType(ctx);
  const raw = await readRaw(ctx, limit);
  let text: string;
  try {
    // Drops a leading BOM; a byte that is not UTF-8 is an error, not a U+FFFD in a name.
    text = utf8.decode(raw);
  } catch {
    throw badRequest('the request body is not valid UTF-8');
  }
  if (text.trim() === '') throw badRequest('a JSON body is required');
  if (nestingAbove(text, maxJsonDepth)) {
    throw badRequest(`the JSON body is nested deeper than ${maxJsonDepth} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`malformed JSON body: ${(err as Error).message}`);
  }
  const problem = jsonTextProblem(text);
  if (problem !== undefined) throw badRequest(problem);
  return value;
}

/** Bodies already read, by request: the stream can be read once, the bounds apply once. */
const parsed = new WeakMap<object, Promise<unknown>>();

/** The parsed JSON body, read and checked once per request (see the module comment). */
export function readJson(ctx: Koa.Context, limit = maxBodyBytes): Promise<unknown> {
  let body = parsed.get(ctx.req);
  if (body === undefined) {
    body = parseBody(ctx, limit);
    parsed.set(ctx.req, body);
  }
  return body;
}
