import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateIndex } from './spend.duplicates.ts';

describe('DuplicateIndex', () => {
  it('returns the first line of an identical row, across many table growths', () => {
    const index = new DuplicateIndex();
    for (let line = 1; line <= 50_000; line++) {
      assert.equal(index.firstLineOf(['A', String(line), '1.00'], line), null);
    }
    for (let line = 1; line <= 50_000; line += 997) {
      assert.equal(index.firstLineOf(['A', String(line), '1.00'], 100_000 + line), line);
    }
  });

  it('tells apart rows whose cells join to the same text', () => {
    const index = new DuplicateIndex();
    assert.equal(index.firstLineOf(['a,b', 'c'], 1), null);
    assert.equal(index.firstLineOf(['a', 'b,c'], 2), null);
    assert.equal(index.firstLineOf(['a,b', 'c'], 3), 1);
  });
});
