// ESLint flat config: type-aware rules from typescript-eslint; Prettier runs separately.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { readdirSync } from 'node:fs';

/**
 * The layers of src/, low to high. A module imports only from modules of LOWER layers (and
 * from itself): never from a higher layer, never from a sibling of its own layer. A module is a
 * folder of src/ or a file named here; a file listed on its own (admin/app.ts) leaves its
 * folder's layer for the one it is listed in. docs/architecture.md explains the table.
 */
const layers = [
  {
    modules: ['util', 'errors.ts', 'version.ts'],
    why: 'foundation: helpers, the exit codes, the version; no project import',
  },
  {
    modules: ['config', 'model'],
    why: 'the INI configuration and the domain entities: data and checks, no I/O service',
  },
  {
    modules: ['schema'],
    why: 'the admin contract: one TypeBox schema per object, for the API, the import and the console',
  },
  { modules: ['log.ts'], why: 'the logger, set up from the configuration' },
  {
    modules: ['crypto', 'db'],
    why: 'passwords, secrets and SSH keys; the SQL seam and one store per aggregate',
  },
  {
    modules: ['gateway'],
    why: "the node's context: what every running service shares (stores, log, health…)",
  },
  {
    modules: ['security', 'transfer'],
    why: 'services on the context: login bans, the transfer engine',
  },
  {
    modules: ['cluster'],
    why: "the cluster runtime: membership, leases, operator actions on a node's running transfers",
  },
  {
    modules: ['client', 'sftp'],
    why: 'the protocols over the transfer engine: client transfers, the SFTP server',
  },
  { modules: ['controller'], why: 'starts the client transfers that are due' },
  { modules: ['admin', 'backup'], why: 'the REST admin API; the backup and import file format' },
  { modules: ['webui'], why: "the web console, on the admin API's sessions, errors and objects" },
  { modules: ['admin/app.ts'], why: 'the koa app: the admin API and the web console mounted together' },
  { modules: ['admin/server.ts'], why: 'the admin listener (address, TLS) serving that app' },
  {
    modules: ['daemon', 'cli', 'haproxy'],
    why: 'entry points: the node and its one-shot commands, the CLI, the HAProxy generator',
  },
];

/**
 * Imports that climb today, each with the change that removes it. Nothing else may climb.
 * `typeOnly`: allowed as `import type` only (erased at run time: no load-order cycle).
 */
const layerExceptions = [
  // The context names the types of the services it carries; the services take the context.
  { file: 'gateway/context.ts', imports: 'cluster/metrics.ts', typeOnly: true },
  { file: 'gateway/context.ts', imports: 'cluster/volume.ts', typeOnly: true },
  { file: 'gateway/context.ts', imports: 'transfer/registry.ts', typeOnly: true },
];

const layerRules = layerImportRules(layers, layerExceptions);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // The web console's browser script: plain JavaScript served as a file, no type information.
    files: ['src/webui/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        HTMLFormElement: 'readonly',
        Element: 'readonly',
      },
    },
  },
  ...layerRules,
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },
  prettier,
);

/**
 * The table as `@typescript-eslint/no-restricted-imports` blocks: for each module and folder
 * depth, regexes on the relative specifier of every module it must not import (the depth is
 * part of the regex: from src/sftp/x.ts, cluster is `../cluster/`; from src/sftp/a/x.ts,
 * `../../cluster/`). An exception is a later block for its one file, which wins over its folder's.
 */
function layerImportRules(table, exceptions) {
  const layerOf = new Map(table.flatMap((layer, i) => layer.modules.map((m) => [m, i])));
  const modules = [...layerOf.keys()];
  // A folder or file of src/ in no layer would escape the rule: lint stops until it is placed.
  const unplaced = readdirSync(new URL('./src', import.meta.url)).filter(
    (m) => !m.startsWith('.') && !layerOf.has(m),
  );
  if (unplaced.length > 0)
    throw new Error(`eslint.config.js: src/${unplaced.join(', src/')}: in no layer, add to the table`);
  const isFile = (m) => m.endsWith('.ts');
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const depthOf = (file) => file.split('/').length - 1;
  const up = (depth) => (depth === 0 ? '\\./' : `(\\.\\./){${depth}}`);
  const asSpecifier = (file) => escape(file.replace(/\.ts$/, '.js'));

  const patternsFor = (module, depth, allowed = []) => {
    const layer = layerOf.get(module);
    const message =
      `${module} is in layer ${layer + 1} (${table[layer].modules.join(', ')}): it imports only from ` +
      `lower layers (the table in eslint.config.js).`;
    return modules
      .filter((m) => m !== module && layerOf.get(m) >= layer && !module.startsWith(m + '/'))
      .flatMap((m) => {
        const inside = allowed.filter((e) => e.imports === m || e.imports.startsWith(m + '/'));
        const path = isFile(m) ? `${asSpecifier(m)}$` : `${escape(m)}/`;
        const except = inside.map((e) => `(?!${asSpecifier(e.imports.slice(m.length + 1))}$)`).join('');
        const typeOnly = inside
          .filter((e) => e.typeOnly === true)
          .map((e) => ({
            regex: `^${up(depth)}${asSpecifier(e.imports)}$`,
            allowTypeImports: true,
            message,
          }));
        return [{ regex: `^${up(depth)}${path}${isFile(m) ? '' : except}`, message }, ...typeOnly];
      });
  };
  const block = (files, ignores, patterns) => ({
    files,
    ignores,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  });

  const blocks = [];
  for (const module of modules) {
    if (isFile(module)) {
      blocks.push(block([`src/${module}`], [], patternsFor(module, depthOf(module))));
      continue;
    }
    // Files listed on their own (admin/app.ts) have their own block.
    const carved = modules.filter((m) => m.startsWith(module + '/')).map((m) => `src/${m}`);
    for (const depth of [1, 2, 3]) {
      const files = [`src/${module}/${'*/'.repeat(depth - 1)}*.ts`];
      blocks.push(block(files, carved, patternsFor(module, depth)));
    }
  }
  for (const file of new Set(exceptions.map((e) => e.file))) {
    const module = modules
      .filter((m) => file === m || file.startsWith(m + '/'))
      .sort((a, b) => b.length - a.length)[0];
    const allowed = exceptions.filter((e) => e.file === file);
    blocks.push(block([`src/${file}`], [], patternsFor(module, depthOf(file), allowed)));
  }
  return blocks;
}
