/**
 * Options that set a field of an admin object. Each names its field in the object's schema
 * (src/schema): its help is the field's description, choices and bounds, and the request body
 * is built from the options given, so a flag says what the API checks and sets what it names.
 */
import type { TObject } from '@sinclair/typebox';
import type { OptionSpec, OptionValues } from './tree.js';
import { direction, keyValues, list, opt } from './values.js';

/** How a flag's text becomes the field's value; undefined leaves the field out. */
export type ReadField = (values: OptionValues, flag: string) => unknown;

export interface FieldOption extends OptionSpec {
  field: string;
  read: ReadField;
}

export interface FieldFlag extends Omit<OptionSpec, 'type' | 'doc'> {
  /** The default reads the text as it is (or a list for `multiple`). */
  read?: ReadField;
  /** What the command line adds to the schema's words (a syntax, a file). */
  note?: string;
}

/** What the help reads of a field's JSON Schema. */
export interface FieldSchema {
  description?: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  format?: string;
  items?: FieldSchema;
}

/** `Description (one of: a, b; 0 to 9)`: the schema's words, then its choices and bounds. */
export function fieldDoc(schema: FieldSchema): string {
  const choices = schema.enum ?? schema.items?.enum;
  const bounds = [
    choices === undefined ? undefined : `one of: ${choices.join(', ')}`,
    schema.minimum === undefined || schema.maximum === undefined
      ? undefined
      : `${schema.minimum} to ${schema.maximum}`,
    schema.maxItems === undefined ? undefined : `at most ${schema.maxItems}`,
    schema.format === 'date-time' ? 'RFC 3339' : undefined,
  ].filter((b) => b !== undefined);
  const description = schema.description ?? '';
  return bounds.length === 0 ? description : `${description} (${bounds.join('; ')})`;
}

const readAsGiven: ReadField = (values, flag) => opt(values, flag);
const readList: ReadField = (values, flag) => {
  const items = list(values, flag);
  return items.length === 0 ? undefined : items;
};

/** The options of `flags`, each setting the field of `object` it names. */
export function fieldOptions(
  object: TObject,
  flags: Record<string, [field: string, flag?: FieldFlag]>,
): Record<string, FieldOption> {
  return Object.fromEntries(
    Object.entries(flags).map(([name, [field, flag = {}]]) => {
      const schema = object.properties[field] as FieldSchema | undefined;
      if (schema === undefined) throw new Error(`--${name}: the schema has no field ${field}`);
      const { read, note, ...option } = flag;
      const doc = fieldDoc(schema);
      return [
        name,
        {
          ...option,
          type: 'string',
          doc: note === undefined ? doc : `${doc}; ${note}`,
          field,
          read: read ?? (flag.multiple === true ? readList : readAsGiven),
        },
      ];
    }),
  );
}

/** The body of the fields whose options were given (a PATCH sends only those). */
export function fieldBody(
  options: Record<string, FieldOption>,
  values: OptionValues,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(options)) {
    const value = o.read(values, name);
    if (value !== undefined) body[o.field] = value;
  }
  return body;
}

/** Reads the flag's text through `convert` when it was given. */
export const readWith =
  (convert: (text: string, flag: string) => unknown): ReadField =>
  (values, flag) => {
    const text = opt(values, flag);
    return text === undefined ? undefined : convert(text, flag);
  };

/** `send`/`receive` → isSend. */
export const readDirection: ReadField = readWith((text, flag) => direction(text, flag));

/** Repeated `key:value` → an object (protocol configuration, transfer info). */
export const keyValuesFlag: FieldFlag = {
  arg: 'KEY:VAL',
  multiple: true,
  read: (values, flag) => {
    const items = list(values, flag);
    return items.length === 0 ? undefined : keyValues(items, flag);
  },
  note: 'VAL is read as JSON when it parses',
};
