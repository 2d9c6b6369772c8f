/**
 * The web console's live updates (Server-Sent Events on /webui/live/) must pass through the
 * generated HAProxy: each is one HTTP response that stays open as long as the page does. HAProxy
 * must forward each event as it is written (no delay, no compression, no buffering), and the
 * console's heartbeat must be shorter than every timeout that would otherwise cut an idle stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatePreset, presets } from '../../../src/haproxy/generate.js';
import { defaultLiveOptions } from '../../../src/webui/live.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** The indented lines of every `defaults`/`frontend`/`backend` section, by title. */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of cfg.split('\n')) {
    if (/^(defaults|frontend|backend|listen)\b/.test(line)) out.set(line.trim(), (current = []));
    else if (/^\S/.test(line)) current = undefined;
    else if (current !== undefined && line.trim() !== '') current.push(line.trim());
  }
  return out;
}

/** `timeout NAME` in ms, from the section, else from defaults. */
function timeoutMs(own: string[], defaults: string[], name: string): number | undefined {
  const find = (lines: string[]): string | undefined =>
    lines.find((l) => l.startsWith(`timeout ${name} `))?.split(/\s+/)[2];
  const v = find(own) ?? find(defaults);
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v);
  assert.ok(m, `timeout ${name} ${v}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * unit;
}

describe('HAProxy lets the web console live updates (SSE) through', () => {
  for (const preset of presets) {
    it(`${preset.name}: the admin proxies forward events at once and outlast the heartbeat`, () => {
      const cfg = sections(generatePreset(root, preset).text);
      const defaults = cfg.get('defaults') ?? [];
      const admin = [...cfg.keys()].filter((k) => /^(frontend fe|backend be)_admin/.test(k));
      assert.ok(admin.length >= 2, `admin frontend and backend in ${[...cfg.keys()].join(', ')}`);
      for (const title of admin) {
        const lines = cfg.get(title) ?? [];
        assert.ok(
          !lines.some((l) => l.startsWith('compression')),
          `${title}: compression would buffer events`,
        );
        assert.ok(!lines.includes('option http-buffer-request'), title);
        for (const name of ['client', 'server']) {
          const ms = timeoutMs(lines, defaults, name);
          if (ms === undefined) continue;
          assert.ok(
            defaultLiveOptions.heartbeatMs * 2 <= ms,
            `${title}: timeout ${name} (${ms} ms) must leave room for two heartbeats (${defaultLiveOptions.heartbeatMs} ms)`,
          );
        }
      }
      const backend = cfg.get(admin.find((k) => k.startsWith('backend')) ?? '') ?? [];
      if (backend.includes('mode http')) {
        assert.ok(
          backend.includes('option http-no-delay'),
          'each event leaves at once, not when a packet fills',
        );
        // A live stream must be allowed a long life once open (tunnel timeout if it ever upgrades).
        assert.ok(
          (timeoutMs(backend, defaults, 'tunnel') ?? 0) >= 3_600_000,
          'timeout tunnel of at least 1 h',
        );
      }
    });
  }
});
