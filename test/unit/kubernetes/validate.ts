/**
 * Renders a kustomization with `kubectl kustomize` (offline) and checks every object against the
 * Kubernetes API schemas of the kubernetes-models package (generated from Kubernetes' OpenAPI):
 *
 * - its own validators catch wrong types, missing required fields and bad formats;
 * - they accept unknown fields, as the API server's non-strict decoding would (a typo such as
 *   `readinesProbe` would then be dropped silently), so the same package's TypeScript
 *   interfaces are used as well: the objects are compiled as object literals of those types,
 *   and TypeScript's excess-property check names every field the API does not have.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { repoRoot } from '../../support/compose.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface ModelClass {
  new (data: never): { validate(): void };
}

/** The kinds the manifests use: model class, module and interface for the strict check. */
const models: Record<string, { model: ModelClass; module: string; type: string }> = {
  'v1/Namespace': { model: Namespace, module: 'v1/Namespace', type: 'INamespace' },
  'v1/ConfigMap': { model: ConfigMap, module: 'v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'v1/Service', type: 'IService' },
  'v1/PersistentVolumeClaim': {
    model: PersistentVolumeClaim,
    module: 'v1/PersistentVolumeClaim',
    type: 'IPersistentVolumeClaim',
  },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'apps/v1/StatefulSet', type: 'IStatefulSet' },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    module: 'networking.k8s.io/v1/NetworkPolicy',
    type: 'INetworkPolicy',
  },
};

/** Throws (never skips) unless kubectl with kustomize 5 is installed. */
export function requireKubectl(): void {
  const res = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  assert.equal(
    res.status,
    0,
    `kubectl is missing (${(res.stderr || res.error?.message || '').trim()}): ` +
      'run deploy/kubernetes/install-kubectl.sh; this test is never skipped',
  );
}

/** `kubectl kustomize DIR`, parsed. */
export function render(dir: string): K8sObject[] {
  const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(res.status, 0, `kubectl kustomize ${dir} failed:\n${res.stderr}`);
  return parseAllDocuments(res.stdout).map((doc) => {
    assert.deepEqual(doc.errors, [], `${dir}: bad YAML out of kustomize`);
    return doc.toJS() as K8sObject;
  });
}

export const label = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

let previousProgram: ts.Program | undefined;

/** Problems found by the models' own schema validators (types, required fields, formats). */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const entry = models[`${o.apiVersion}/${o.kind}`];
    if (entry === undefined) return [`${label(o)}: ${o.apiVersion} ${o.kind} is not a kind this check knows`];
    try {
      new entry.model(o as never).validate();
      return [];
    } catch (err) {
      return [`${label(o)}: ${(err as Error).message}`];
    }
  });
}

/**
 * Fields the Kubernetes API does not have, and values of the wrong type, found by compiling the
 * objects as literals of the models' TypeScript interfaces; each problem names the object and
 * the field's path (`spec.template.spec.containers[0].readinesProbe`).
 */
export function strictFieldProblems(objects: readonly K8sObject[]): string[] {
  // Under node_modules so that the models resolve as they do for the tests themselves.
  const dir = join(repoRoot, 'node_modules/.cache/waarp-kubernetes-check');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `objects-${process.pid}.ts`);
  const lines: string[] = [];
  const starts: number[] = [];
  const used = new Set<string>();
  objects.forEach((o, i) => {
    const entry = models[`${o.apiVersion}/${o.kind}`];
    if (entry === undefined) return; // reported by schemaProblems
    if (!used.has(entry.module)) {
      used.add(entry.module);
      lines.unshift(`import type { ${entry.type} } from 'kubernetes-models/${entry.module}';`);
    }
    starts.push(i);
    lines.push(`export const o${i}: ${entry.type} = ${JSON.stringify(o, null, 2)};`);
  });
  writeFileSync(file, lines.join('\n') + '\n');
  const program = ts.createProgram({
    rootNames: [file],
    options: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
    // The models' declarations are parsed once for every call.
    oldProgram: previousProgram,
  });
  previousProgram = program;
  const source = program.getSourceFile(file);
  assert.ok(source !== undefined);
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  rmSync(file);
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.start === undefined) return text;
    const { path, index } = locate(source, d.start);
    const o = index === undefined ? undefined : objects[index];
    return `${o === undefined ? '?' : label(o)} ${path}: ${text}`;
  });
}

/** The object (`o<index>`) and field path of the node at `pos`. */
function locate(source: ts.SourceFile, pos: number): { path: string; index: number | undefined } {
  let node: ts.Node = source;
  for (;;) {
    const child: ts.Node | undefined = node
      .getChildren(source)
      .find((c) => c.getStart(source) <= pos && pos < c.getEnd());
    if (child === undefined) break;
    node = child;
  }
  const parts: string[] = [];
  let index: number | undefined;
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    const parent = n.parent as ts.Node | undefined;
    if (ts.isPropertyAssignment(n)) parts.unshift(n.name.getText(source).replace(/^"|"$/g, ''));
    if (parent !== undefined && ts.isArrayLiteralExpression(parent))
      parts.unshift(`[${parent.elements.indexOf(n as ts.Expression)}]`);
    if (ts.isVariableDeclaration(n)) index = Number(n.name.getText(source).slice(1));
  }
  // An array index attaches to the property name before it: containers[0].name.
  return { path: parts.join('.').replace(/\.\[/g, '['), index };
}
