import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../platform/errors.ts';
import { parseStatistic, parseTarget, readFunnelCsv } from './scorecards.funnel-csv.ts';

/** Expects an AppError with this code whose field errors include one matching `message` on `field`. */
function refused(code: string, field: string | null, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code);
    if (field === null) assert.match(error.message, message);
    else assert.ok(error.fieldErrors.some((e) => e.field === field && message.test(e.message)), JSON.stringify(error.fieldErrors));
    return true;
  };
}

describe('reading a funnel CSV', () => {
  it('reads proportions with quoted names, CRLF, a BOM and columns in any order', () => {
    const csv = readFunnelCsv('\ufeffDenominator,Unit,Numerator,note\r\n100,"Ward, North",40,x\r\n\r\n250,"Say ""hi""",125,\r\n', 'proportion');
    assert.deepEqual(csv.rows, [
      { unit: 'Ward, North', numerator: 40, denominator: 100 },
      { unit: 'Say "hi"', numerator: 125, denominator: 250 },
    ]);
    assert.deepEqual(csv.lines, [2, 4]);
  });

  it('reads observed and expected counts for ratios, decimals allowed', () => {
    const csv = readFunnelCsv('unit,observed,expected\nA,12,10.5\nB,0,3.25e1\n', 'ratio');
    assert.deepEqual(csv.rows.map((r) => [r.numerator, r.denominator]), [[12, 10.5], [0, 32.5]]);
  });

  it('refuses a zero denominator, naming the line, the unit and the column', () => {
    assert.throws(() => readFunnelCsv('unit,numerator,denominator\nA,1,10\nB,0,0\n', 'proportion'), refused('validation_failed', 'denominator', /^Line 3 \(B\): the denominator is 0; it must be more than 0/));
  });

  it('refuses a negative count', () => {
    assert.throws(() => readFunnelCsv('unit,observed,expected\nA,-2,10\n', 'ratio'), refused('validation_failed', 'observed', /^Line 2 \(A\): the observed count is -2; a count cannot be negative/));
  });

  it('refuses text where a number should be, an empty value and a numerator above its denominator', () => {
    const text = 'unit,numerator,denominator\nA,ten,10\nB,,10\nC,11,10\nD,0x10,20\n';
    assert.throws(() => readFunnelCsv(text, 'proportion'), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.deepEqual(error.fieldErrors.map((e) => e.message), [
        'Line 2 (A): the numerator “ten” is not a number',
        'Line 3 (B): the numerator “” is not a number',
        'Line 4 (C): the numerator 11 is more than the denominator 10',
        'Line 5 (D): the numerator “0x10” is not a number',
      ]);
      assert.match(error.message, /^The file has 4 problems/);
      return true;
    });
  });

  it('refuses a missing column, and says when the columns are for the other statistic', () => {
    assert.throws(() => readFunnelCsv('unit,numerator\nA,1\n', 'proportion'), refused('validation_failed', 'denominator', /no “denominator” column; it has: unit, numerator/));
    assert.throws(() => readFunnelCsv('unit,numerator,denominator\nA,1,2\n', 'ratio'), refused('validation_failed', 'observed', /for --statistic proportion/));
  });

  it('refuses a unit given twice, a row without a name and a short row', () => {
    const text = 'unit,numerator,denominator\nA,1,2\nA,1,2\n,1,2\nB,1\n';
    assert.throws(() => readFunnelCsv(text, 'proportion'), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.deepEqual(error.fieldErrors.map((e) => e.message), [
        'Line 3 (A): the unit “A” is also on line 2; give each unit one row',
        'Line 4: the unit has no name',
        'Line 5: has 2 values; the header has 3',
      ]);
      return true;
    });
  });

  it('lists the first 20 problems and counts the rest', () => {
    const lines = ['unit,numerator,denominator', ...Array.from({ length: 30 }, (_, i) => `u${i},1,0`)];
    assert.throws(() => readFunnelCsv(lines.join('\n'), 'proportion'), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.fieldErrors.length, 21);
      assert.equal(error.fieldErrors[20]!.message, 'and 10 more problems');
      return true;
    });
  });

  it('refuses an empty file, a header alone and an unclosed quote', () => {
    assert.throws(() => readFunnelCsv('', 'proportion'), refused('validation_failed', 'file', /empty/));
    assert.throws(() => readFunnelCsv('unit,numerator,denominator\n', 'proportion'), refused('validation_failed', 'file', /no units/));
    assert.throws(() => readFunnelCsv('unit,numerator,denominator\n"A,1,2\n', 'proportion'), refused('validation_failed', 'file', /^Line 2: a quoted value is not closed/));
  });

  it('refuses more rows or bytes than its limits', () => {
    const text = ['unit,numerator,denominator', 'a,1,2', 'b,1,2', 'c,1,2'].join('\n');
    assert.equal(readFunnelCsv(text, 'proportion', { maxRows: 3 }).rows.length, 3);
    assert.throws(() => readFunnelCsv(text, 'proportion', { maxRows: 2 }), refused('payload_too_large', null, /more than 2 rows \(line 4 is past the limit\)/));
    assert.throws(() => readFunnelCsv(text, 'proportion', { maxBytes: 20 }), refused('payload_too_large', null, /at most/));
  });
});

describe('a target and a statistic typed by a person', () => {
  it('accepts what is in range and refuses what is not', () => {
    assert.equal(parseTarget('0.8', 'proportion'), 0.8);
    assert.equal(parseTarget('', 'proportion'), undefined);
    assert.equal(parseTarget('1.2', 'ratio'), 1.2);
    assert.throws(() => parseTarget('80', 'proportion'), refused('validation_failed', 'target', /between 0 and 1/));
    assert.throws(() => parseTarget('0', 'ratio'), refused('validation_failed', 'target', /more than 0/));
    assert.throws(() => parseTarget('high', 'ratio'), refused('validation_failed', 'target', /not a number/));
    assert.equal(parseStatistic('ratio'), 'ratio');
    assert.throws(() => parseStatistic('mean'), refused('validation_failed', 'statistic', /not one of proportion, ratio/));
    assert.throws(() => parseStatistic(undefined), refused('validation_failed', 'statistic', /Choose the statistic/));
  });
});
