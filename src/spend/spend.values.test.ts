import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPence, looksLikeDate, parseAmount, parsePeriod, parseSpendDate } from './spend.values.ts';
import { SpendFileError } from './spend.errors.ts';

function iso(text: string, order: 'dmy' | 'mdy' = 'dmy', serial = false): string {
  const r = parseSpendDate(text, order, serial);
  assert.ok(r.ok, `expected ${text} to parse: ${r.ok ? '' : r.reason}`);
  return r.iso;
}

function pence(text: string): bigint {
  const r = parseAmount(text);
  assert.ok(r.ok, `expected ${text} to parse: ${r.ok ? '' : r.reason}`);
  return r.pence;
}

describe('parseSpendDate', () => {
  it('reads dd/mm/yyyy, d/m/yyyy and dd/mm/yy as day first', () => {
    assert.equal(iso('13/02/2017'), '2017-02-13');
    assert.equal(iso('1/5/2014'), '2014-05-01');
    assert.equal(iso('01/05/14'), '2014-05-01');
    assert.equal(iso('13-02-2017'), '2017-02-13');
    assert.equal(iso('13.02.2017'), '2017-02-13');
    assert.equal(iso(' 26/06/2015 '), '2015-06-26');
  });

  it('reads month-first dates only when told the column is month first', () => {
    assert.equal(iso('02/13/2017', 'mdy'), '2017-02-13');
    assert.equal(iso('03/04/2017', 'mdy'), '2017-03-04');
    assert.equal(parseSpendDate('02/13/2017').ok, false);
  });

  it('reads d-Mon-yyyy, dd-Mon-yy and written-out month names', () => {
    assert.equal(iso('13-Feb-2017'), '2017-02-13');
    assert.equal(iso('6-Apr-2011'), '2011-04-06');
    assert.equal(iso('06-Apr-11'), '2011-04-06');
    assert.equal(iso('06-APR-2011'), '2011-04-06');
    assert.equal(iso('13 February 2017'), '2017-02-13');
    assert.equal(iso('1st Sept 2016'), '2016-09-01');
    assert.equal(iso('Feb 13, 2017'), '2017-02-13');
  });

  it('reads ISO dates, with or without a time', () => {
    assert.equal(iso('2017-02-13'), '2017-02-13');
    assert.equal(iso('2017-2-3'), '2017-02-03');
    assert.equal(iso('2017-02-13T00:00:00'), '2017-02-13');
    assert.equal(iso('2017-02-13 09:30:00'), '2017-02-13');
    assert.equal(iso('2017-02-13T00:00:00Z'), '2017-02-13');
    assert.equal(iso('13/02/2017 00:00'), '2017-02-13');
  });

  it('reads spreadsheet serial day numbers when allowed, including the 1900 leap-year quirk', () => {
    assert.equal(iso('42779', 'dmy', true), '2017-02-13');
    assert.equal(iso('40452', 'dmy', true), '2010-10-01');
    assert.equal(iso('42779.5', 'dmy', true), '2017-02-13');
    assert.equal(iso('1462', 'dmy', true), '1904-01-01'); // the 1904 date system's offset, a known point
    assert.equal(parseSpendDate('42779').ok, false, 'a bare number is not a date unless serials are allowed');
    assert.equal(parseSpendDate('61', 'dmy', true).ok, false, 'two or three digits are codes, not serials');
    assert.equal(parseSpendDate('99999', 'dmy', true).ok, false, 'serial 99999 is in 2173');
  });

  it('says why a date is not one', () => {
    const cases: [string, RegExp][] = [
      ['31/02/2015', /day 31 is not in that month/],
      ['29/02/2015', /day 29/],
      ['13/13/2015', /month 13 does not exist/],
      ['12/01/0201', /year 201 is not plausible/],
      ['soon', /not a date in any form/],
      ['32-Foo-2015', /"Foo" is not a month/],
    ];
    for (const [text, why] of cases) {
      const r = parseSpendDate(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) {
        assert.match(r.reason, why, text);
        assert.ok(r.reason.includes(`"${text}"`), `reason names the value: ${r.reason}`);
      }
    }
    assert.equal(iso('29/02/2016'), '2016-02-29');
    const empty = parseSpendDate('   ');
    assert.equal(empty.ok, false);
    assert.equal(!empty.ok && empty.empty, true);
  });

  it('tells dates from numbers for recognising columns by content', () => {
    assert.equal(looksLikeDate('09/02/2011'), true);
    assert.equal(looksLikeDate('13-Feb-2017'), true);
    assert.equal(looksLikeDate('201011'), false);
    assert.equal(looksLikeDate('42202211'), false);
    assert.equal(looksLikeDate('1034526 - 2'), false);
  });
});

describe('parseAmount', () => {
  it('reads plain amounts as exact pence', () => {
    assert.equal(pence('978.53'), 97853n);
    assert.equal(pence('620'), 62000n);
    assert.equal(pence('0.5'), 50n);
    assert.equal(pence('.5'), 50n);
    assert.equal(pence('5.'), 500n);
    assert.equal(pence('-14.99'), -1499n);
    assert.equal(pence('007.10'), 710n);
  });

  it('never goes through a float: large amounts keep every penny', () => {
    assert.equal(pence('123456789012345.67'), 12345678901234567n);
    assert.equal(pence('0.07') + pence('0.1') + pence('0.2'), 37n);
    // 2^53 + 1 pence: a float would land on 9007199254740992.
    assert.equal(pence('90071992547409.93'), 9007199254740993n);
    assert.equal(parseAmount('9007199254740993.00').ok, false, 'more than 15 digits of pounds is not an amount');
  });

  it('reads £, thousands commas, spaces and padding', () => {
    assert.equal(pence('£1,234.56'), 123456n);
    assert.equal(pence('"9,300.00 "'.slice(1, -1)), 930000n);
    assert.equal(pence('1 234 567.89'), 123456789n);
    assert.equal(pence('\u00a31\u00a0234.00'), 123400n);
    assert.equal(pence('GBP 12.00'), 1200n);
    assert.equal(pence('100,458.47'), 10045847n);
  });

  it('reads every way of writing a negative amount', () => {
    assert.equal(pence('-1,234.56'), -123456n);
    assert.equal(pence('1,234.56-'), -123456n);
    assert.equal(pence('(1,234.56)'), -123456n);
    assert.equal(pence('(£1,234.56)'), -123456n);
    assert.equal(pence('-£5.00'), -500n);
    assert.equal(pence('£-5.00'), -500n);
    assert.equal(pence('£5.00-'), -500n);
    assert.equal(pence('\u22125.00'), -500n);
    assert.equal(pence('\u20135.00'), -500n);
    assert.equal(pence('5.00 CR'), -500n);
    assert.equal(pence('+5.00'), 500n);
  });

  it('rounds more than two decimal places half away from zero, and says so', () => {
    const r = parseAmount('12.345');
    assert.deepEqual(r, { ok: true, pence: 1235n, rounded: true });
    assert.equal(pence('-12.345'), -1235n);
    assert.equal(pence('12.344999'), 1234n);
    assert.deepEqual(parseAmount('12.3000'), { ok: true, pence: 1230n });
    assert.equal(pence('1234.5600000000002'), 123456n);
  });

  it('reads exponent notation by moving the decimal point in the digits', () => {
    assert.equal(pence('1.2345E+03'), 123450n);
    assert.equal(pence('1E2'), 10000n);
    assert.equal(pence('5e-1'), 50n);
  });

  it('treats Nil and a lone dash as zero', () => {
    assert.deepEqual(parseAmount('Nil'), { ok: true, pence: 0n, marker: 'nil' });
    assert.deepEqual(parseAmount('NIL'), { ok: true, pence: 0n, marker: 'nil' });
    assert.deepEqual(parseAmount(' - '), { ok: true, pence: 0n, marker: 'nil' });
  });

  it('reports Redacted, N/A and Not yet available as markers, not numbers', () => {
    const cases: [string, string][] = [
      ['Redacted', 'redacted'],
      ['REDACTED', 'redacted'],
      ['N/A', 'not-applicable'],
      ['n/a', 'not-applicable'],
      ['NA', 'not-applicable'],
      ['Not yet available', 'not-yet-available'],
      ['Not Yet Available', 'not-yet-available'],
    ];
    for (const [text, marker] of cases) {
      const r = parseAmount(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) {
        assert.equal(r.marker, marker, text);
        assert.equal(r.empty, false);
        assert.match(r.reason, /not a number/);
      }
    }
  });

  it('rejects what is not an amount, naming the value', () => {
    const cases: [string, RegExp][] = [
      ['1,23.00', /commas that are not thousands separators/],
      ['12.34.56', /not a number/],
      ['abc', /not a number/],
      ['€12.00', /not a number/],
      ['--5', /more than one minus sign/],
      ['(-5)', /more than one minus sign/],
      ['£', /no digits/],
      ['12345678901234567890', /too large/],
    ];
    for (const [text, why] of cases) {
      const r = parseAmount(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) {
        assert.match(r.reason, why, text);
        assert.ok(r.reason.includes(text), `reason names the value: ${r.reason}`);
      }
    }
    const empty = parseAmount('  ');
    assert.equal(!empty.ok && empty.empty, true);
  });

  it('formats pence back to pounds for messages', () => {
    assert.equal(formatPence(474256156n), '4742561.56');
    assert.equal(formatPence(-5n), '-0.05');
    assert.equal(formatPence(0n), '0.00');
  });
});

describe('parsePeriod', () => {
  it('expands months to their first and last days', () => {
    assert.deepEqual(parsePeriod('2010-10..2010-12'), { from: '2010-10-01', to: '2010-12-31' });
    assert.deepEqual(parsePeriod('2016-02'), { from: '2016-02-01', to: '2016-02-29' });
    assert.deepEqual(parsePeriod('2017-01-04..2017-03-28'), { from: '2017-01-04', to: '2017-03-28' });
  });

  it('refuses periods it cannot read, with the reason', () => {
    for (const text of ['2010-13', '2010-12..2010-10', 'Q4 2010', '2010-10..', '2010-02-30']) {
      assert.throws(() => parsePeriod(text), (e: unknown) => e instanceof SpendFileError && e.code === 'spend.period-invalid', text);
    }
  });
});
