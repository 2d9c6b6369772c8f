/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function and per area
 * (ssh2, gateway code, node internals, GC, idle).
 *
 *   node dist/bench/profile-top.js FILE.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const file = positionals[0];
if (file === undefined) {
  console.error('usage: node dist/bench/profile-top.js FILE.cpuprofile [--top 30]');
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
}
const total = p.endTime - p.startTime;

function area(n: ProfileNode): string {
  const { url, functionName } = n.callFrame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program (native, unattributed)';
  if (url.includes('node_modules/ssh2/')) return 'ssh2';
  if (url.includes('node_modules/')) return 'other dependencies';
  if (url.includes('/dist/src/')) return 'gateway (dist/src)';
  if (url.startsWith('node:') || url === '') return 'node internals and natives';
  return 'other';
}

const areas = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (n === undefined) continue;
  const a = area(n);
  areas.set(a, (areas.get(a) ?? 0) + us);
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*\/(node_modules|dist)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${short}${url === '' ? '' : `:${lineNumber + 1}`}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s wall`);
console.log('\nby area:');
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) console.log(`${ms(us)} ${pct(us)}  ${a}`);
console.log(`\ntop ${values.top} functions by self time:`);
for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, Number(values.top)))
  console.log(`${ms(us)} ${pct(us)}  ${f}`);
