/**
 * Reads a JSON request body without a body-parser dependency: size-limited (413 beyond it),
 * and any content type is read as JSON, so `curl -d '{…}'` works without `-H`.
 */
import type Koa from 'koa';
import { ApiError, badRequest } from './errors.js';

export const maxBodyBytes = 1024 * 1024;

function tooLarge(): ApiError {
  return new ApiError('E_TOO_LARGE', `the request body is larger than ${maxBodyBytes} bytes`, {
    Connection: 'close',
  });
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

/** The parsed JSON body; 400 when it is empty or malformed. */
export async function readJson(ctx: Koa.Context, limit = maxBodyBytes): Promise<unknown> {
  const raw = await readRaw(ctx, limit);
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw badRequest('a JSON body is required');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`malformed JSON body: ${(err as Error).message}`);
  }
}
