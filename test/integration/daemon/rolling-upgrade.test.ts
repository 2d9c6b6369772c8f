/**
 * Rolling upgrades: a node keeps serving against a schema that a NEWER node migrated, as
 * long as the newer migrations are additive; it refuses, with exit code 9, a schema whose
 * newer migrations are not. (The reference refuses any schema but its own: no rolling upgrade.)
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Migration } from '../../../src/db/migrations.js';
import { latestSchemaVersion, migrations } from '../../../src/db/migrations.js';
import { migrate } from '../../../src/db/migrate.js';
import { SqliteDatabase } from '../../../src/db/sqlite.js';
import { ExitCode } from '../../../src/errors.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';

const daemon = resolve('dist/src/daemon/main.js');

function nextBuild(additive: boolean): Migration[] {
  const next: Migration = {
    id: latestSchemaVersion + 1,
    name: additive ? 'a new optional table' : 'a column renamed',
    additive,
    up: ['CREATE TABLE future_feature (id {int} NOT NULL PRIMARY KEY){table}'],
  };
  return [...migrations, next];
}

async function gatewayDir(): Promise<{ dir: string; config: string; db: string }> {
  const dir = await makeTempDir('upgrade');
  const db = join(dir, 'gateway.db');
  const config = join(dir, 'gatewayd.ini');
  writeFileSync(
    config,
    `[paths]\nGatewayHome = ${dir}\n[admin]\nPort = 0\n[database]\nType = sqlite\nAddress = ${db}\n[log]\nLevel = INFO\n`,
  );
  return { dir, config, db };
}

describe('schema compatibility across versions', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await removeTempDir(d);
  });

  it('a node of version N-1 starts and serves on a schema migrated by version N (additive)', async () => {
    const g = await gatewayDir();
    dirs.push(g.dir);
    const db = new SqliteDatabase(g.db);
    assert.deepEqual(
      await migrate(db, { list: nextBuild(true) }),
      nextBuild(true).map((m) => m.id),
    );
    await db.close();
    // `migrate` of the older build: nothing to do, and no error.
    const r = spawnSync(process.execPath, [daemon, 'migrate', '-c', g.config], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // And the older node serves.
    const child = spawn(process.execPath, [daemon, 'server', '-c', g.config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const admin = await new Promise<string>((resolveAdmin, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          for (const line of out.split('\n')) {
            if (!line.includes('gateway node started')) continue;
            resolveAdmin((JSON.parse(line) as { admin: string }).admin);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const ready = await fetch(`http://${admin}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });

  it('a node refuses a schema whose newer migrations break older nodes, with exit code 9', async () => {
    const g = await gatewayDir();
    dirs.push(g.dir);
    const db = new SqliteDatabase(g.db);
    await migrate(db, { list: nextBuild(false) });
    await db.close();
    const r = spawnSync(process.execPath, [daemon, 'server', '-c', g.config], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, ExitCode.schemaTooNew, r.stderr);
    assert.match(r.stderr, /newer than this build knows/);
    assert.match(r.stderr, /a column renamed/);
  });
});
