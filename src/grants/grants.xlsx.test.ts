import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync, strToU8 } from 'fflate';
import { isAppError } from '../platform/errors.ts';
import { readGrantsFile } from './grants.read.ts';
import { readXlsx, serialDate } from './grants.xlsx.ts';
import { writeXlsx } from './grants.xlsx-writer.ts';
import { dataset } from './grants.test-support.ts';

const TODAY = '2026-12-03';
function refusal(bytes: Uint8Array, limits?: Parameters<typeof readGrantsFile>[1]): string {
  try {
    readGrantsFile(bytes, limits, TODAY);
  } catch (error) {
    assert.ok(isAppError(error) && error.code === 'validation_failed', String(error));
    return error.fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ');
  }
  assert.fail('the file was read');
}
const header = ['Identifier', 'Title', 'Description', 'Currency', 'Amount Awarded', 'Award Date', 'Recipient Org:Identifier', 'Recipient Org:Name', 'Funding Org:Identifier', 'Funding Org:Name', 'From An Open Call?'];
const row = (id: string, extra: Partial<Record<string, string | number | { date: string }>> = {}) => {
  const v: Record<string, string | number | { date: string }> = { Identifier: id, Title: `Grant ${id}`, Description: 'For a project', Currency: 'GBP', 'Amount Awarded': 1000, 'Award Date': { date: '2024-04-01' },
    'Recipient Org:Identifier': 'GB-CHC-2', 'Recipient Org:Name': 'A Group', 'Funding Org:Identifier': 'GB-CHC-1', 'Funding Org:Name': 'A Trust', 'From An Open Call?': 'Yes', ...extra };
  return header.map((h) => v[h] ?? null);
};

describe('grants: the XLSX flattened layout', () => {
  it('reads the community foundations’ workbook (grants sheet and a beneficiary-location sheet) exactly as the same grants in JSON', () => {
    const json = readGrantsFile(dataset('community-foundations-regrants.json'), undefined, TODAY);
    const xlsx = readGrantsFile(dataset('community-foundations-regrants.xlsx'), undefined, TODAY);
    assert.equal(xlsx.format, 'xlsx');
    assert.equal(xlsx.grants.length, 154);
    assert.equal(xlsx.rejected.length, 0);
    const fields = (g: (typeof json.grants)[number]) => [g.id, g.title, g.amountMinor, g.currency, g.awardDate, g.funderOrgId, g.recipientOrgId, g.recipientType, g.programme, g.regrantType, JSON.stringify(g.location)];
    assert.deepEqual(xlsx.grants.map(fields), json.grants.map(fields));
    assert.equal(xlsx.grants.filter((g) => g.regrantType).length, 52);
    assert.equal(xlsx.problems.filter((p) => p.code === 'individual-precise-location').length, 42);
    // The read-me sheet is not data: reported, not silently skipped.
    assert.deepEqual(xlsx.problems.filter((p) => p.id === null).map((p) => `${p.field} ${p.code}`), ['sheet:Read me sheet-not-read']);
  });

  it('adds every row of a detail sheet to its grant’s list, and reports a row whose grant is not on the grants sheet', () => {
    const bytes = writeXlsx([
      { name: 'grants', rows: [header, row('g-1'), row('g-2')] },
      { name: 'beneficiaryLocation', rows: [
        ['Identifier', 'Beneficiary Location:Name', 'Beneficiary Location:Geographic Code', 'Beneficiary Location:Geographic Code Type', 'Notes'],
        ['g-1', 'Newcastle upon Tyne', 'E08000021', 'LAD', 'x'], ['g-1', 'Byker', 'E01008390', 'LSOA', null], ['g-9', 'Nowhere', 'E08000021', 'LAD', null],
      ] },
    ]);
    const r = readGrantsFile(bytes, undefined, TODAY);
    const [a, b] = r.grants;
    assert.deepEqual((a!.raw.beneficiaryLocation as { geoCode: string }[]).map((l) => l.geoCode), ['E08000021', 'E01008390']);
    assert.equal(a!.location.precision, 'small-area', 'the finest location is used');
    assert.equal(a!.location.code, 'E01008390');
    assert.equal(b!.location.precision, null);
    const file = r.problems.filter((p) => p.field === 'sheet:beneficiaryLocation').map((p) => `${p.code}: ${p.message}`);
    assert.equal(file.length, 2);
    assert.match(file[0]!, /columns-not-read: .*“Notes”/);
    assert.match(file[1]!, /detail-without-grant: Row 4 of the sheet “beneficiaryLocation” is for the grant g-9/);
    assert.ok(r.problems.some((p) => p.id === 'g-2' && p.code === 'no-beneficiary-location'));
  });

  it('reads spreadsheet dates, and reports dd/mm/yyyy text, Y/N and text amounts with grant id and field, as in the other layouts', () => {
    const bytes = writeXlsx([{ name: 'Grants', rows: [header,
      row('d-1', { 'Award Date': '05/06/2014', 'From An Open Call?': 'Y' }),
      row('d-2', { 'Amount Awarded': 'ten' }),
      row('d-3', { 'Amount Awarded': 1e308 }),
      row('d-4', { Currency: 'XYZ' }),
      row('d-1'),
      row('d-6', { 'Amount Awarded': -5 }),
    ] }]);
    const r = readGrantsFile(bytes, undefined, TODAY);
    assert.deepEqual(r.grants.map((g) => [g.id, g.awardDate]), [['d-1', '2014-06-05'], ['d-6', '2024-04-01']]);
    assert.deepEqual(r.problems.filter((p) => p.id === 'd-1' && p.severity === 'repaired').map((p) => `${p.field} ${p.code}`).sort(), ['awardDate date-format', 'fromOpenCall yes-no']);
    assert.deepEqual(r.rejected.map((x) => [x.index, x.id]), [[1, 'd-2'], [2, 'd-3'], [3, 'd-4'], [4, 'd-1']]);
    assert.match(r.rejected[0]!.reason, /“ten” is not a number/);
    assert.match(r.rejected[1]!.reason, /more than 1,000,000,000,000/);
    assert.match(r.rejected[2]!.reason, /“XYZ” is not an ISO 4217/);
    assert.match(r.rejected[3]!.reason, /used already by the grant at index 0/);
    assert.ok(r.problems.some((p) => p.id === 'd-6' && p.field === 'amountAwarded' && p.code === 'negative-amount'));
  });

  it('converts serial dates in both date systems', () => {
    assert.equal(serialDate(45383, false), '2024-04-01');
    assert.equal(serialDate(45383.5, false), '2024-04-01T12:00:00');
    assert.equal(serialDate(45383 - 1462, true), '2024-04-01');
    assert.equal(serialDate(-1, false), null);
  });

  it('stops a zip bomb before inflating it, and a sheet with more rows than a file may hold', () => {
    const huge = `<worksheet><sheetData>${'<row><c><v>1</v></c></row>'.repeat(400_000)}</sheetData></worksheet>`;
    const bomb = zipSync({ 'xl/workbook.xml': strToU8('<workbook><sheets><sheet name="grants" r:id="rId1"/></sheets></workbook>'), 'xl/_rels/workbook.xml.rels': strToU8('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'), 'xl/worksheets/sheet1.xml': strToU8(huge) }, { level: 9 });
    assert.ok(bomb.length < 100_000 && huge.length > 10_000_000);
    assert.match(refusal(bomb, { maxBytes: 1024 * 1024, maxGrants: 10 }), /unpacks to more than 1 MB/);
    const many = writeXlsx([{ name: 'grants', rows: [header, ...Array.from({ length: 30 }, (_v, i) => row(`m-${i}`))] }]);
    assert.match(refusal(many, { maxBytes: 1024 * 1024, maxGrants: 20 }), /more than 20 rows/);
  });

  it('cannot be made to inflate past the size a part declares', () => {
    const sheet = `<worksheet><sheetData>${'<row><c t="inlineStr"><is><t>x</t></is></c></row>'.repeat(50_000)}</sheetData></worksheet>`;
    const files = { 'xl/workbook.xml': strToU8('<workbook><sheets><sheet name="grants" r:id="rId1"/></sheets></workbook>'), 'xl/_rels/workbook.xml.rels': strToU8('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'), 'xl/worksheets/sheet1.xml': strToU8(sheet) };
    const honest = zipSync(files, { level: 9 });
    assert.equal(readXlsx(honest, { maxBytes: 10_000_000, maxRows: 100_000 })[0]!.rows.length, 50_000);
    assert.throws(() => readXlsx(honest, { maxBytes: 1_000_000, maxRows: 100_000 }), /unpacks to more than/);
    // Lie in the central directory: say the sheet unpacks to 100 bytes. It passes the size check, and is cut at 100.
    const view = Buffer.from(honest);
    const cd = view.indexOf(Buffer.from('xl/worksheets/sheet1.xml'), view.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) - 200) - 46;
    assert.equal(view.readUInt32LE(cd), 0x02014b50);
    view.writeUInt32LE(100, cd + 24);
    assert.equal(readXlsx(view, { maxBytes: 1_000_000, maxRows: 100_000 })[0]!.rows.length, 0);
  });

  it('refuses a damaged zip, a zip that is not a workbook, and a workbook without a grants sheet, naming why', () => {
    const good = writeXlsx([{ name: 'grants', rows: [header, row('a')] }]);
    assert.match(refusal(good.subarray(0, good.length - 40)), /cannot be unpacked/);
    assert.match(refusal(zipSync({ 'notes.txt': strToU8('hello') })), /not an XLSX workbook/);
    assert.match(refusal(writeXlsx([{ name: 'Sheet1', rows: [['Name', 'Amount'], ['A', 1]] }])), /no grants sheet: no sheet has columns called “Identifier” and “Title” \(sheets: “Sheet1”\)/);
  });
});
