// Runs the compiled node:test files of the given tiers (folders under dist/test).
// Node 20's `--test` takes no globs and runs helpers found in a directory as phantom
// tests, so we pass an explicit, sorted list of *.test.js files instead.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tiers = process.argv.slice(2);
if (tiers.length === 0) {
  console.error('usage: node scripts/run-tests.mjs TIER [TIER...]   (TIER = a folder under test/)');
  process.exit(2);
}

function find(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = tiers.flatMap((t) => find(join('dist', 'test', t))).sort();
if (files.length === 0) {
  console.error(`no test files found for ${tiers.join(', ')}: did tsc run?`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const res = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
