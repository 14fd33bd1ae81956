import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvRow, csvTable, neutraliseCsvText } from './csv.ts';

describe('platform csv writer', () => {
  it('neutralises every formula start, "-" included, and quotes the cell', () => {
    assert.equal(csvCell(`-2+3+cmd|' /C calc'!A0`), `"'-2+3+cmd|' /C calc'!A0"`);
    assert.equal(csvCell('=1+1'), `"'=1+1"`);
    assert.equal(csvCell('+cmd'), `"'+cmd"`);
    assert.equal(csvCell('@SUM(A1)'), `"'@SUM(A1)"`);
    assert.equal(csvCell('\t=1'), `"'\t=1"`);
    assert.equal(csvCell('\r=1'), `"'\r=1"`);
    assert.equal(csvCell('-'), `"'-"`);
    assert.equal(csvCell('-1+2'), `"'-1+2"`, 'starts with a number but is a formula');
    assert.equal(csvCell('-1e5x'), `"'-1e5x"`);
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  });

  it('keeps genuine numbers as numbers, whether a number or text holding one', () => {
    assert.equal(csvCell(-45), '-45');
    assert.equal(csvCell(-1234.56), '-1234.56');
    assert.equal(csvCell('-1234.56'), '-1234.56');
    assert.equal(csvCell('+5'), '+5');
    assert.equal(csvCell('-0.5'), '-0.5');
    assert.equal(csvCell('-1.5e3'), '-1.5e3');
    assert.equal(csvCell(-12n), '-12');
    assert.equal(neutraliseCsvText('-.5'), '-.5');
  });

  it('leaves ordinary text alone and quotes by RFC 4180', () => {
    assert.equal(csvCell('Honest Ltd'), 'Honest Ltd');
    assert.equal(csvCell('a, b'), '"a, b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell("O'Brien"), "O'Brien");
    assert.equal(csvCell('a-b'), 'a-b', 'a "-" inside text is harmless');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(false), 'false');
    assert.equal(csvRow(['x', -1, '=1']), `x,-1,"'=1"\r\n`);
    assert.equal(csvTable(['a', 'b'], [['-x', 2]]), `a,b\r\n"'-x",2\r\n`);
  });
});
