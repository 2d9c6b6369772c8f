import { fileSuffix, readEnvOrFile } from './env-file.js';
import type { ConfigProblem } from './errors.js';
import { formatProblem } from './errors.js';
import type { IniScan } from './ini-scanner.js';
import { envPrefix, findKey, findSection, otherEnvVars, schema, sections } from './schema.js';
import type { KeyDef, KeyId } from './schema.js';
import { parseValue } from './values.js';
import type { ConfigValue } from './values.js';

/** Where a setting's value came from, to point at it in later (cross-key) problems. */
export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly key: string }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'default' };

export interface Setting {
  readonly value: ConfigValue;
  readonly origin: Origin;
}

/** Every key of the schema with its parsed value (absent = unset without default). */
export type Settings = ReadonlyMap<KeyId, Setting>;

/** Collects problems (errors) and warnings while reading the configuration. */
export interface Report {
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

const defs = schema as readonly KeyDef[];

/** The file's entries checked against the schema: unknown, duplicate or bad ones are problems. */
export function settingsFromFile(scan: IniScan, report: Report): Map<KeyId, Setting> {
  const settings = new Map<KeyId, Setting>();
  const known = new Set<string>();
  for (const s of scan.sections) {
    if (findSection(s.name) !== undefined) {
      known.add(s.id);
      continue;
    }
    report.problems.push({
      file: s.file,
      line: s.line,
      section: s.name,
      message: `unknown section (known: ${sections.map((d) => d.name).join(', ')})`,
    });
  }

  for (const e of scan.entries) {
    if (!known.has(e.sectionId)) continue; // reported once, on its header
    const at = { file: e.file, line: e.line, section: e.section, key: e.key };
    const match = findKey(e.section, e.key);
    if (match === undefined) {
      const names = defs.filter((d) => d.section === e.sectionId).map((d) => d.key);
      report.problems.push({
        ...at,
        message: `unknown key (known in [${e.sectionId}]: ${names.join(', ')})`,
      });
      continue;
    }
    if (match.kind === 'legacy') {
      const { legacy } = match;
      if (legacy.harmless(e.value)) {
        report.warnings.push(formatProblem({ ...at, message: `ignored: ${legacy.note}` }));
      } else {
        report.problems.push({
          ...at,
          message: `${JSON.stringify(e.value)} is not supported: ${legacy.note}`,
        });
      }
      continue;
    }
    const def = match.def;
    const id = def.id as KeyId;
    const previous = settings.get(id)?.origin;
    if (previous?.kind === 'file') {
      const as = previous.key.toLowerCase() === e.keyId ? '' : ` as ${previous.key}`;
      report.problems.push({ ...at, message: `duplicate key (already set${as} at line ${previous.line})` });
      continue;
    }
    if (match.deprecated) {
      report.warnings.push(formatProblem({ ...at, message: `deprecated; use ${def.key}` }));
    }
    const parsed = parseValue(def.type, e.value);
    if (!parsed.ok) {
      report.problems.push({ ...at, message: parsed.message });
      continue;
    }
    settings.set(id, {
      value: parsed.value,
      origin: { kind: 'file', file: e.file, line: e.line, key: e.key },
    });
  }
  return settings;
}

/**
 * Overrides settings with the `WAARP_GATEWAY_*` variables (for containers), or their `_FILE`
 * forms naming a file that holds the value (secrets). An empty variable counts as unset, as
 * compose writes `${VAR:-}` for absent ones. Unknown variables of ours are
 * warnings: a typo should not go unnoticed, but the prefix is shared with other tools.
 */
export function applyEnv(settings: Map<KeyId, Setting>, env: NodeJS.ProcessEnv, report: Report): void {
  const known = new Set(otherEnvVars.flatMap((v) => [v, v + fileSuffix]));
  for (const def of defs) {
    if (def.env === undefined) continue;
    const name = envPrefix + def.env;
    known.add(name);
    known.add(name + fileSuffix);
    const read = readEnvOrFile(env, name);
    if (read === undefined) continue;
    const { variable } = read;
    if ('error' in read) {
      report.problems.push({
        file: 'environment',
        variable,
        section: def.section,
        key: def.key,
        message: read.error,
      });
      continue;
    }
    const parsed = parseValue(def.type, read.value.trim());
    if (!parsed.ok) {
      report.problems.push({
        file: 'environment',
        variable,
        section: def.section,
        key: def.key,
        message: parsed.message,
      });
      continue;
    }
    settings.set(def.id as KeyId, { value: parsed.value, origin: { kind: 'env', variable } });
  }
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith(envPrefix) && !known.has(name)) {
      report.warnings.push(`environment: ${name} is not a variable of waarp-gatewayd; ignored`);
    }
  }
}

/** Fills every unset key that has a default. The defaults are checked by the unit tests. */
export function applyDefaults(settings: Map<KeyId, Setting>): void {
  for (const def of defs) {
    if (settings.has(def.id as KeyId) || def.default === undefined) continue;
    const parsed = parseValue(def.type, def.default);
    if (!parsed.ok) throw new Error(`bad default for [${def.section}] ${def.key}: ${parsed.message}`);
    settings.set(def.id as KeyId, { value: parsed.value, origin: { kind: 'default' } });
  }
}

/** A problem located at where `id`'s value came from. */
export function problemAt(settings: Settings, id: KeyId, mainFile: string, message: string): ConfigProblem {
  const def = defs.find((d) => d.id === id);
  const origin = settings.get(id)?.origin ?? { kind: 'default' };
  const section = def?.section;
  switch (origin.kind) {
    case 'file':
      return { file: origin.file, line: origin.line, section, key: origin.key, message };
    case 'env':
      return { file: 'environment', variable: origin.variable, section, key: def?.key, message };
    case 'default':
      return { file: mainFile, section, key: def?.key, message };
  }
}
