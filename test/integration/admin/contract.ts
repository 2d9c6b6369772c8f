/**
 * Replies checked against the OpenAPI document: for a request's method, path and status, the
 * response schema the document shows, checked with the contract's compiled schemas. The admin
 * harness runs it on every reply of every admin test, so a route answering something its
 * documented schema does not allow fails the test that saw it.
 */
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { openApiDocument } from '../../../src/admin/openapi.js';
import { messageOf } from '../../../src/admin/validate.js';
import { compile } from '../../../src/schema/check.js';
import type { ComponentName } from '../../../src/schema/index.js';
import { components } from '../../../src/schema/index.js';
import { FreeObject } from '../../../src/schema/types.js';

type Json = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, Json>>;
  components: { responses: Record<string, Json> };
}

const doc = openApiDocument('contract') as unknown as Doc;

/** The documented path template of a concrete path: the match with the most literal segments. */
export function templateOf(path: string): string | undefined {
  const segments = path.split('?')[0]?.split('/') ?? [];
  let best: { template: string; literals: number } | undefined;
  for (const template of Object.keys(doc.paths)) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    if (!parts.every((p, i) => p.startsWith('{') || p === segments[i])) continue;
    const literals = parts.filter((p) => !p.startsWith('{')).length;
    if (best === undefined || literals > best.literals) best = { template, literals };
  }
  return best?.template;
}

/** The document's JSON schema as a checkable one: `$ref`s are the contract's own schemas. */
function checkable(s: Json): TSchema {
  if (typeof s.$ref === 'string') return components[s.$ref.split('/').pop() as ComponentName];
  if (s.type === 'array') return Type.Array(checkable(s.items as Json));
  if (s.type === 'object' && s.properties !== undefined) {
    const required = (s.required as string[] | undefined) ?? [];
    const props = Object.entries(s.properties as Record<string, Json>).map(([k, v]) => {
      const t = checkable(v);
      return [k, required.includes(k) ? t : Type.Optional(t)] as const;
    });
    return Type.Object(Object.fromEntries(props));
  }
  if (s.type === 'object') return FreeObject();
  if (s.type === 'string') return Type.String();
  throw new Error(`no checkable form for ${JSON.stringify(s)}`);
}

/** The JSON schema of a documented reply, or why there is none. */
export function documentedReply(method: string, template: string, status: number): Json | string {
  const op = doc.paths[template]?.[method.toLowerCase()] as { responses: Record<string, Json> } | undefined;
  if (op === undefined) return `${method} ${template} is not documented`;
  let reply = op.responses[String(status)];
  if (reply === undefined) return `${method} ${template} does not document status ${status}`;
  if (typeof reply.$ref === 'string')
    reply = doc.components.responses[reply.$ref.split('/').pop() ?? ''] ?? {};
  const content = reply.content as Record<string, { schema: Json }> | undefined;
  // JSON when the route speaks it; else its one other type (/metrics: Prometheus text).
  return (content?.['application/json'] ?? Object.values(content ?? {})[0])?.schema ?? {};
}

const checks = new Map<string, ReturnType<typeof compile>>();

/**
 * What is wrong with a reply given the document, or undefined. Undocumented paths (a test
 * asking for a route that does not exist) and error statuses a route does not list are let
 * through: the first is a 404 by design, the second is checked by the routes' own tests.
 */
export function replyProblem(
  method: string,
  path: string,
  status: number,
  body: unknown,
): string | undefined {
  const template = templateOf(path);
  if (template === undefined) return undefined;
  const schema = documentedReply(method, template, status);
  if (typeof schema === 'string') return status < 300 ? schema : undefined;
  const key = `${method} ${template} ${status}`;
  if (Object.keys(schema).length === 0)
    return body === undefined ? undefined : `${key}: a body the document does not show`;
  if (body === undefined) return `${key}: no body, the document shows one`;
  let check = checks.get(key);
  if (check === undefined) {
    check = compile(checkable(schema));
    checks.set(key, check);
  }
  const error = check.firstError(body);
  return error === undefined
    ? undefined
    : `${key}: the reply does not match the document: ${messageOf(error)}`;
}
