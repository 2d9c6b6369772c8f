/**
 * Migrations are append-only: a database migrated by an older build must end up with the same
 * schema as a new one. Their rendered text is pinned here, so that a change to a migration (or
 * to a constant one is built from) fails; a schema change is a new migration. And the two halves
 * the transfer store reads on their own (src/db/normalized-transfers.ts) are migration 1's view.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { migrations, renderDdl } from '../../../src/db/migrations.js';
import { historyTransferRowsSql, liveTransferRowsSql } from '../../../src/db/normalized-transfers.js';

/** sha256 (first 16 hex digits) of each migration's statements, per dialect. */
const pinned: Record<number, { sqlite: string; mysql: string }> = {
  1: { sqlite: 'ff77238ea77a2dfc', mysql: '8e278b95d9efb4db' },
  2: { sqlite: '846ef18919e9e460', mysql: 'c59e9d7b972bd498' },
  3: { sqlite: 'c54902722ff731aa', mysql: 'b6805cb64dd5409a' },
  4: { sqlite: '614bc0b6005ec86d', mysql: '1128c758d9470b07' },
  5: { sqlite: 'f91e405e4091a74b', mysql: 'd853e75193157077' },
  6: { sqlite: '2b701f24b319705a', mysql: '7e81e00286111864' },
};

describe('migrations', () => {
  it('are never edited once released (a schema change is a new migration, pinned here)', () => {
    for (const m of migrations) {
      const pin = pinned[m.id];
      assert.ok(pin, `migration ${m.id} (${m.name}) is new: pin its digests in this test`);
      for (const dialect of ['sqlite', 'mysql'] as const) {
        const text = m.up.map((s) => renderDdl(s, dialect)).join('\n;\n');
        const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
        assert.equal(digest, pin[dialect], `migration ${m.id} (${m.name}) on ${dialect} was edited`);
      }
    }
  });

  it("the store's two halves of normalized_transfers are migration 1's view", () => {
    const view = migrations[0]!.up.find((s) => s.includes('CREATE VIEW normalized_transfers'));
    assert.ok(view, 'migration 1 creates the view');
    assert.ok(view.includes(liveTransferRowsSql), 'the live half, byte for byte');
    // The history half names its columns to be read alone; the view's takes them from the first half.
    const unnamed = historyTransferRowsSql.replace(/ AS \w+/g, '');
    const squash = (s: string): string => s.replace(/\s+/g, ' ');
    assert.ok(squash(view).includes(squash(unnamed)), 'the history half, but for its column names');
  });
});
