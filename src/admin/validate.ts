/**
 * Request bodies are checked against the contract's schemas (src/schema), by their name in the
 * OpenAPI document: a body either comes back typed or the request fails with a 400 naming the
 * field, so handlers only see well-formed input.
 */
import type { Static } from '@sinclair/typebox';
import type { FieldError, Validator } from '../schema/check.js';
import { compile } from '../schema/check.js';
import type { ComponentName } from '../schema/index.js';
import { components } from '../schema/index.js';
import { badRequest } from './errors.js';

export { parseRfc3339 } from '../schema/formats.js';

type Body<N extends ComponentName> = Static<(typeof components)[N]>;

const validators = new Map<ComponentName, Validator<unknown>>();

/** The compiled check of a component, compiled on first use and kept. */
export function validatorOf(name: ComponentName): Validator<unknown> {
  let v = validators.get(name);
  if (v === undefined) {
    v = compile(components[name]);
    validators.set(name, v);
  }
  return v;
}

// Request bodies are compiled with the module, not on the first request.
for (const name of Object.keys(components) as ComponentName[]) {
  if (/(In|Patch)$/.test(name) || name === 'Indirections') validatorOf(name);
}

/** The API's wording of a field error. */
export function messageOf(e: FieldError): string {
  if (e.kind === 'unknown') return `unknown field "${e.path}" (expected: ${(e.expected ?? []).join(', ')})`;
  if (e.kind === 'missing') return `missing required field "${e.path}"`;
  return `${e.path === '' ? 'the request body' : `field "${e.path}"`} ${e.reason}`;
}

/** `body` checked against the component `name`; a 400 naming the first bad field otherwise. */
export function bodyOf<N extends ComponentName>(name: N, body: unknown): Body<N> {
  const error = validatorOf(name).firstError(body);
  if (error !== undefined) throw badRequest(messageOf(error));
  return body as Body<N>;
}

/** What PATCH (`…Patch`: the fields to change) and PUT (`…In`: the whole object) take. */
type Editable = 'User' | 'Server' | 'LocalAccount' | 'Partner' | 'RemoteAccount' | 'Client' | 'Rule';

/** The body of a PATCH or a PUT of `schema`, checked as `bodyOf` does. */
export function editBodyOf<S extends Editable>(
  method: 'patch' | 'put',
  schema: S,
  body: unknown,
): Body<`${S}Patch`> | Body<`${S}In`> {
  return method === 'patch' ? bodyOf(`${schema}Patch`, body) : bodyOf(`${schema}In`, body);
}
