/** Printing results: `--format human` (aligned key/value blocks) or `--format json`. */
export type Format = 'human' | 'json';

export interface Output {
  readonly format: Format;
  /** Prints a JSON value as is (json format). */
  json(value: unknown): void;
  /** Prints a line (human format). */
  line(text?: string): void;
}

export function createOutput(format: Format, write: (s: string) => void = (s) => console.log(s)): Output {
  return {
    format,
    json: (value) => write(JSON.stringify(value, null, 2)),
    line: (text = '') => write(text),
  };
}

export type Field = [label: string, value: unknown];

function text(value: unknown): string {
  if (value === undefined || value === null || value === '') return '<none>';
  if (Array.isArray(value)) return value.length === 0 ? '<none>' : value.map((v) => text(v)).join(', ');
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0
      ? '<none>'
      : entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `== Title ==` then indented `Label: value` lines. */
export function block(out: Output, title: string, fields: Field[]): void {
  out.line(`== ${title} ==`);
  const width = Math.max(0, ...fields.map(([l]) => l.length));
  for (const [label, value] of fields) out.line(`  ${(label + ':').padEnd(width + 1)} ${text(value)}`);
}

/** Prints a value in json format, or calls `human` to print it. */
export function show<T>(out: Output, value: T, human: (v: T) => void): void {
  if (out.format === 'json') out.json(value);
  else human(value);
}

/** A list: json as the server sent it; human as blocks, or a line when empty. */
export function showList<T>(
  out: Output,
  body: unknown,
  items: T[],
  what: string,
  human: (v: T) => void,
): void {
  if (out.format === 'json') {
    out.json(body);
    return;
  }
  if (items.length === 0) out.line(`No ${what} found.`);
  for (const item of items) human(item);
}

/** An action's confirmation: the server's message in human format, its body in json. */
export function done(out: Output, body: unknown, fallback: string): void {
  if (out.format === 'json') {
    out.json(body ?? { message: fallback });
    return;
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  out.line(typeof message === 'string' ? message : fallback);
}
