// Every date a form asks for is the GOV.UK date input (day, month, year: platform/views/date-input.njk), read by
// the one parser (platform/dates.ts): no view asks for a date in a single text box.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const src = new URL('..', import.meta.url).pathname;

function views(): string[] {
  const out: string[] = [];
  for (const module of readdirSync(src, { withFileTypes: true })) {
    if (!module.isDirectory()) continue;
    const dir = join(src, module.name, 'views');
    let names: string[] = [];
    try { names = readdirSync(dir); } catch { continue; }
    for (const name of names) if (name.endsWith('.njk')) out.push(join(dir, name));
  }
  return out;
}

/** A text input whose label or hint asks for a date ("Date paid", "Correct at", "for example 28/11/2026"). */
const SINGLE_DATE = /govukInput\(\{[^\n]*?(label: \{ text: "[^"]*\b(date|dated|correct at)\b[^"]*"|hint: \{ text: "[^"]*\d{1,2}\/\d{1,2}\/\d{4})/i;

it('no form asks for a date in a single text box: every date field is the three-box date input', () => {
  const found: string[] = [];
  for (const file of views()) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (SINGLE_DATE.test(line)) found.push(`${file.slice(src.length)}:${i + 1}`);
    });
  }
  assert.ok(views().length > 50, 'the views were found');
  assert.deepEqual(found, []);
});

it('the check itself catches a single date field', () => {
  assert.ok(SINGLE_DATE.test('{{ govukInput({ label: { text: "Date repaid", classes: "govuk-label--s" }, id: "repaidOn" }) }}'));
  assert.ok(SINGLE_DATE.test('{{ govukInput({ id: "asAt", label: { text: "Correct at" }, hint: { text: "For example 31/03/2017" } }) }}'));
  assert.ok(!SINGLE_DATE.test('{{ govukInput({ label: { text: "Deadline for bids: time (UTC)" }, id: "deadlineTime" }) }}'));
});
