import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasLoneSurrogate, jsonTextProblem, nestingAbove } from '../../../src/admin/json-bounds.js';

describe('generic JSON bounds', () => {
  it('counts nesting on brackets outside strings, on any text', () => {
    assert.equal(nestingAbove('{"a":[{"b":1}]}', 3), false);
    assert.equal(nestingAbove('{"a":[{"b":[1]}]}', 3), true);
    assert.equal(nestingAbove('{"a":"[[[[[[[[[["}', 2), false, 'brackets in strings do not count');
    assert.equal(nestingAbove('{"a":"\\"[[[["}', 2), false, 'escaped quotes stay in the string');
    assert.equal(nestingAbove('[[[[[[ not json', 5), true);
  });

  it('names a duplicate key by its path, in objects and arrays', () => {
    assert.equal(jsonTextProblem('{"a":1,"b":{"a":2}}'), undefined);
    assert.equal(jsonTextProblem('{"a":1,"a":2}'), 'duplicate key "a" in the JSON body');
    assert.equal(
      jsonTextProblem('{"tasks":[{"type":"COPY"},{"type":"EXEC","args":{"path":"x","path":"y"}}]}'),
      'duplicate key "tasks[1].args.path" in the JSON body',
    );
    assert.equal(
      jsonTextProblem('{"a":1,"\\u0061":2}'),
      'duplicate key "a" in the JSON body',
      'keys compared decoded',
    );
  });

  it('refuses lone surrogates in values and keys, not surrogate pairs', () => {
    assert.equal(jsonTextProblem('{"name":"\\ud83d\\ude00"}'), undefined);
    assert.equal(
      jsonTextProblem('{"name":"x\\ud800"}'),
      'field "name" is not valid Unicode (a lone surrogate)',
    );
    assert.equal(
      jsonTextProblem('{"l":["ok","\\udc00"]}'),
      'field "l[1]" is not valid Unicode (a lone surrogate)',
    );
    assert.equal(
      jsonTextProblem('{"\\ud800":1}'),
      'the key "\ud800" is not valid Unicode (a lone surrogate)',
    );
    assert.equal(hasLoneSurrogate('😀'), false);
    assert.equal(hasLoneSurrogate('\ud800x'), true);
  });
});
