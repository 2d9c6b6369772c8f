/**
 * The console's static files, served by every node from its own disk: htmx and its SSE
 * extension from node_modules (the npm packages, never a CDN), and the console's own script and
 * style sheet from src/webui/assets (copied beside dist in the image). Each URL carries a hash of
 * the content, so browsers may keep them for a year and still never run a stale copy.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly name: string;
  readonly type: string;
  readonly body: Buffer;
  readonly hash: string;
  /** `/webui/assets/NAME?v=HASH`. */
  readonly url: string;
}

const require = createRequire(import.meta.url);
/** From dist/src/webui (or src/webui under a TS runner) to the repository's src/webui/assets. */
const ownDir = fileURLToPath(new URL('../../../src/webui/assets/', import.meta.url));

const sources: Record<string, { path: () => string; type: string }> = {
  'htmx.min.js': {
    path: () => require.resolve('htmx.org/dist/htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'sse.min.js': {
    path: () => require.resolve('htmx-ext-sse/dist/sse.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'console.js': { path: () => ownDir + 'console.js', type: 'text/javascript; charset=utf-8' },
  'console.css': { path: () => ownDir + 'console.css', type: 'text/css; charset=utf-8' },
  'favicon.svg': { path: () => ownDir + 'favicon.svg', type: 'image/svg+xml' },
};

let loaded: Map<string, Asset> | undefined;

/** Every asset, read once per process. Throws naming the missing file (a broken install). */
export function assets(): Map<string, Asset> {
  if (loaded !== undefined) return loaded;
  const map = new Map<string, Asset>();
  for (const [name, src] of Object.entries(sources)) {
    const path = src.path();
    let body: Buffer;
    try {
      body = readFileSync(path);
    } catch (err) {
      throw new Error(`web console asset ${name} is missing (${path}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    map.set(name, { name, type: src.type, body, hash, url: `/webui/assets/${name}?v=${hash}` });
  }
  loaded = map;
  return map;
}

export function assetUrl(name: string): string {
  const a = assets().get(name);
  if (a === undefined) throw new Error(`no asset ${name}`);
  return a.url;
}
