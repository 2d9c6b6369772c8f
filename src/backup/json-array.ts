/**
 * The elements of a JSON array read from a stream, one text at a time, so that a history file
 * of millions of entries is never held whole in memory. Only the array's structure is checked
 * here; each element is then given to JSON.parse.
 */

const whitespace = new Set([' ', '\t', '\n', '\r']);

type State = 'before' | 'between' | 'inside' | 'after';

export async function* jsonArrayElements(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<string> {
  let state = 'before' as State;
  let afterComma = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] ?? '';
      if (state === 'inside') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && depth > 0) depth--;
        else if (depth === 0 && (c === ',' || c === ']')) {
          parts.push(chunk.slice(start, i));
          yield parts.join('');
          parts = [];
          state = c === ',' ? 'between' : 'after';
          afterComma = c === ',';
        }
        continue;
      }
      if (whitespace.has(c)) continue;
      if (state === 'before') {
        if (c !== '[') throw new Error('a history file is a JSON array: expected "["');
        state = 'between';
      } else if (state === 'between') {
        if (c === ']' && !afterComma) {
          state = 'after';
          continue;
        }
        if (c === ']' || c === ',') throw new Error(`unexpected "${c}" where an entry was expected`);
        state = 'inside';
        start = i;
        i--; // read this character again as the element's first
      } else {
        throw new Error('unexpected text after the closing "]"');
      }
    }
    if (state === 'inside') parts.push(chunk.slice(start));
  }
  if (state !== 'after') throw new Error('the file ends before the array is closed with "]"');
}
