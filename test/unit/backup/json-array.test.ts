/**
 * The streamed reading of a history file: elements come out whole whatever the chunk
 * boundaries, strings may hold brackets, commas and escaped quotes, and a broken array says so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonArrayElements } from '../../../src/backup/json-array.js';

async function elements(chunks: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const text of jsonArrayElements(chunks)) out.push(JSON.parse(text));
  return out;
}

/** Every split of `text` into chunks of `size` characters. */
function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('jsonArrayElements', () => {
  const value = [
    { id: 1, msg: 'a "quoted" ], { tricky, } string \\ with a backslash', nested: { list: [1, [2, 3]] } },
    { id: 2, transferInfo: {} },
    42,
    'text, with ] inside',
    [],
  ];
  const text = JSON.stringify(value, null, 2);

  it('gives each element whole, for every chunk size', async () => {
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      assert.deepEqual(await elements(chunked(text, size)), value, `chunks of ${size}`);
    }
  });

  it('reads an empty array', async () => {
    assert.deepEqual(await elements(['[', '\n\n', ']\n']), []);
  });

  it('refuses what is not one array', async () => {
    await assert.rejects(elements(['{"id": 1}']), /a history file is a JSON array/);
    await assert.rejects(elements(['[{"id": 1},', ']']), /unexpected "]" where an entry was expected/);
    await assert.rejects(elements(['[{"id": 1}', ' ']), /ends before the array is closed/);
    await assert.rejects(elements(['[1] [2]']), /unexpected text after the closing "]"/);
  });
});
