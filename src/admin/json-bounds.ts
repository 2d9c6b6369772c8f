/**
 * Generic bounds of a JSON request body, independent of any route's schema: nesting depth,
 * duplicate keys and well-formed Unicode strings. `JSON.parse` silently keeps the last of two
 * equal keys and accepts lone surrogates (`"\ud800"`), which no database column can store
 * faithfully; both are refused here, naming the field.
 */

/** Deepest accepted nesting of objects and arrays (the body itself is level 1). */
export const maxJsonDepth = 32;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` holds a lone surrogate (not representable in UTF-8). */
export function hasLoneSurrogate(s: string): boolean {
  return loneSurrogate.test(s);
}

/**
 * The deepest nesting of `text`, counted on brackets outside strings. Works on any text (valid
 * JSON or not) and stops counting once above `limit`, so it is safe to run before `JSON.parse`.
 */
export function nestingAbove(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

interface Frame {
  /** Dotted path of this object or array, '' for the body. */
  readonly path: string;
  /** Keys seen so far (objects only). */
  readonly keys: Set<string> | undefined;
  /** Objects: the next string is a key. */
  expectKey: boolean;
  /** The key (object) or index (array) of the value being read. */
  member: string;
  index: number;
}

/** `a.b` for an object member, `a[2]` for an array item. */
const child = (path: string, member: string): string =>
  member.startsWith('[') || path === '' ? `${path}${member}` : `${path}.${member}`;

/**
 * Duplicate keys and lone surrogates in a text that `JSON.parse` accepted; the message names the
 * field (`perms.users`, `tasks[2].args`). Undefined when the text is fine.
 */
export function jsonTextProblem(text: string): string | undefined {
  const stack: Frame[] = [];
  const where = (f: Frame | undefined): string => (f === undefined ? 'the body' : child(f.path, f.member));
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const raw = text.slice(i, end + 1);
      const value = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      i = end;
      if (top?.keys !== undefined && top.expectKey) {
        top.expectKey = false;
        top.member = value;
        const field = child(top.path, value);
        if (hasLoneSurrogate(value)) return `the key "${field}" is not valid Unicode (a lone surrogate)`;
        if (top.keys.has(value)) return `duplicate key "${field}" in the JSON body`;
        top.keys.add(value);
      } else if (hasLoneSurrogate(value)) {
        return `field "${where(top)}" is not valid Unicode (a lone surrogate)`;
      }
    } else if (c === '{' || c === '[') {
      const path = top === undefined ? '' : where(top);
      const isObject = c === '{';
      stack.push({
        path,
        keys: isObject ? new Set() : undefined,
        expectKey: isObject,
        member: '[0]',
        index: 0,
      });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top !== undefined) {
      if (top.keys !== undefined) top.expectKey = true;
      else top.member = `[${++top.index}]`;
    }
  }
  return undefined;
}
