// The one date reader every form uses: the same text is the same date everywhere.
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { foldDateParts, parseDateParts, parseDateText } from './dates.ts';

describe('dates as people type them', () => {
  it('reads the usual UK forms of one date alike', () => {
    for (const typed of ['2026-11-28', '28/11/2026', '28-11-2026', '28.11.2026', '28 11 2026', ' 28 / 11 / 2026 ', '28 Nov 2026', '28 November 2026', '28th November 2026', '28 nov. 2026']) {
      assert.equal(parseDateText(typed), '2026-11-28', typed);
    }
    assert.equal(parseDateText('1/4/2027'), '2027-04-01', 'day first, single digits');
    assert.equal(parseDateText('2027-4-1'), '2027-04-01');
  });

  it('refuses what is not a real date, a two-digit year, and month-first', () => {
    for (const typed of ['31/02/2026', '28/13/2026', '28/11/26', '11/28/2026', '2026-02-30', '28 Novembr 2026', 'tomorrow', '', '28/11/2026 12:00']) {
      assert.equal(parseDateText(typed), null, typed);
    }
  });

  it('reads the GOV.UK date input’s three fields, and folds them into one field of a form', () => {
    assert.equal(parseDateParts('28', '11', '2026'), '2026-11-28');
    assert.equal(parseDateParts('1', 'April', '2027'), '2027-04-01');
    assert.equal(parseDateParts('29', '2', '2027'), null);
    const form: Record<string, unknown> = { 'start-day': '1', 'start-month': '4', 'start-year': '2027', 'end-day': '', 'end-month': '', 'end-year': '', 'bad-day': '31', 'bad-month': '2', 'bad-year': '2027', other: 'x' };
    foldDateParts(form);
    assert.equal(form.start, '2027-04-01');
    assert.equal(form.end, '');
    assert.equal(form.bad, '31/2/2027', 'kept as typed, for the reader to refuse with the field named');
    assert.equal(parseDateText(form.bad as string), null);
  });
});
