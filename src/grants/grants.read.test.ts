import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { isAppError } from '../platform/errors.ts';
import { readDate, readGrantsFile, toMinorUnits } from './grants.read.ts';
import { summarise } from './grants.service.ts';
import { dataset, pkg } from './grants.test-support.ts';

const TODAY = '2026-12-03';
const counts = (problems: { severity: string; code: string }[]) => {
  const c: Record<string, number> = {};
  for (const p of problems) c[`${p.severity}:${p.code}`] = (c[`${p.severity}:${p.code}`] ?? 0) + 1;
  return c;
};
const grant = (extra: Record<string, unknown> = {}) => ({
  id: '360G-test-1', title: 'A grant', description: 'For a project', currency: 'GBP', amountAwarded: 1500.5, awardDate: '2024-04-01',
  fundingOrganization: [{ id: 'GB-CHC-1', name: 'A Trust' }], recipientOrganization: [{ id: 'GB-CHC-2', name: 'A Group' }],
  beneficiaryLocation: [{ name: 'Byker', geoCode: 'E01008390', geoCodeType: 'LSOA' }], ...extra,
});
function refusal(bytes: Uint8Array, limits?: Parameters<typeof readGrantsFile>[1]): string {
  try {
    readGrantsFile(bytes, limits, TODAY);
  } catch (error) {
    assert.ok(isAppError(error) && error.code === 'validation_failed', String(error));
    return error.fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ');
  }
  assert.fail('the file was read');
}

// Both are CommonJS modules whose default export is the function itself.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as new (options: object) => { compile(schema: object): ValidateFunction };
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: object) => void;

function grantValidator(): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // The schema names its meta-schema by http://, which Ajv knows by https://: the draft is 2020-12 either way.
  return ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/360giving-1.4.3/360-giving-schema.json', import.meta.url), 'utf8')));
}

describe('grants: reading the real files', () => {
  it('reads Lloyds Bank Foundation’s gzip file: 4,116 grants, each Y/N repaired to Yes/No, postcodes kept for the place finder', () => {
    const r = readGrantsFile(dataset('lloyds-bank-foundation.json.gz'), undefined, TODAY);
    assert.equal(r.grants.length, 4116);
    assert.equal(r.rejected.length, 0);
    const c = counts(r.problems);
    assert.equal(c['repaired:yes-no'], 4116);
    assert.equal(c['warning:no-beneficiary-location'], 4116);
    assert.equal(c['warning:bad-url'], 2002);
    assert.ok(r.grants.every((g) => g.location.source === 'postcode' && g.location.postcode));
    assert.ok(r.grants.every((g) => g.raw.fromOpenCall === 'Yes' || g.raw.fromOpenCall === 'No'));
    const s = summarise(r);
    assert.equal(s.gbpTotalPence, 11579563569);
    assert.deepEqual(s.otherCurrencies, {});
    assert.equal(s.funders, 1);
  });

  it('reads the Wolfson Foundation’s file: 379 grants, 758 dd/mm/yyyy dates repaired (award and modified)', () => {
    const r = readGrantsFile(dataset('wolfson-foundation.json'), undefined, TODAY);
    assert.equal(r.grants.length, 379);
    assert.equal(r.rejected.length, 0);
    const c = counts(r.problems);
    assert.equal(c['repaired:date-format'], 758);
    assert.equal(r.grants[0]!.awardDate, '2014-06-05');
    assert.equal(r.grants[0]!.raw.dateModified, '2015-08-17T00:00:00+00:00');
    assert.equal(c['warning:zero-amount'], 114);
    assert.equal(summarise(r).gbpTotalPence, 3117845600);
  });

  it('reads the community foundations’ file: 154 grants, 52 regrants, individuals with precise locations flagged', () => {
    const r = readGrantsFile(dataset('community-foundations-regrants.json'), undefined, TODAY);
    assert.equal(r.grants.length, 154);
    assert.equal(r.rejected.length, 0);
    assert.equal(r.grants.filter((g) => g.regrantType).length, 52);
    assert.equal(r.grants.filter((g) => g.recipientType === 'individual').length, 99);
    const c = counts(r.problems);
    assert.equal(c['warning:individual-precise-location'], 42);
    assert.equal(r.grants.filter((g) => g.location.precision === 'small-area').length, 7);
    assert.equal(r.grants.filter((g) => g.location.precision === 'ward').length, 35);
    assert.equal(summarise(r).funders, 41);
  });

  it('leaves the repaired grants valid against the 360Giving 1.4.3 grant schema, but for the web addresses it reports', () => {
    const validate = grantValidator();
    const left: Record<string, number> = {};
    for (const name of ['lloyds-bank-foundation.json.gz', 'wolfson-foundation.json', 'community-foundations-regrants.json']) {
      const r = readGrantsFile(dataset(name), undefined, TODAY);
      const badUrls = new Set(r.problems.filter((p) => p.code === 'bad-url').map((p) => `${p.id} /${p.field}`));
      const noDescription = new Set(r.problems.filter((p) => p.code === 'no-description').map((p) => p.id));
      for (const g of r.grants) {
        if (validate(g.raw)) continue;
        for (const e of validate.errors ?? []) {
          // Every error left is a web address or a missing description that the reader reported.
          const url = e.keyword === 'format' && badUrls.has(`${g.id} ${e.instancePath}`);
          const description = e.instancePath === '' && ['required', 'oneOf'].includes(e.keyword) && noDescription.has(g.id);
          assert.ok(url || description, `${name} ${g.id}: ${JSON.stringify(e)}`);
          if (url) left[name] = (left[name] ?? 0) + 1;
        }
      }
    }
    assert.deepEqual(left, { 'lloyds-bank-foundation.json.gz': 2002 });
    const original = JSON.parse(readFileSync(new URL('../../datasets/grants/wolfson-foundation.json', import.meta.url), 'utf8')).grants[0];
    assert.equal(validate(original), false);
  });
});

describe('grants: reading values', () => {
  it('turns amounts into integer minor units exactly, and refuses what is not an amount', () => {
    assert.deepEqual(toMinorUnits(1500.5, 'GBP'), { minor: 150050, repaired: null });
    assert.deepEqual(toMinorUnits(0.1 + 0.2, 'GBP'), { minor: 30, repaired: 'rounded 0.30000000000000004 to 2 decimal places' });
    assert.deepEqual(toMinorUnits('£1,000.00', 'GBP'), { minor: 100000, repaired: 'read “£1,000.00” as 1000.00' });
    assert.deepEqual(toMinorUnits(5000, 'JPY'), { minor: 5000, repaired: null });
    assert.match(toMinorUnits(1e308, 'GBP') as string, /more than/);
    assert.match(toMinorUnits('ten', 'GBP') as string, /not a number/);
    assert.match(toMinorUnits(Number.NaN, 'GBP') as string, /finite/);
  });

  it('reads ISO dates, repairs dd/mm/yyyy, and refuses impossible dates', () => {
    assert.deepEqual(readDate('2015-06-10T00:00:00+00:00'), { date: '2015-06-10', repaired: false });
    assert.deepEqual(readDate('23/06/2015 00:00'), { date: '2015-06-23', repaired: true });
    assert.equal(readDate('31/02/2015'), null);
    assert.equal(readDate('next week'), null);
  });
});

describe('grants: bad input', () => {
  it('refuses a file that is not JSON, and one without grants, naming why', () => {
    assert.match(refusal(Buffer.from('{"grants": [')), /^file: The file is not JSON/);
    assert.match(refusal(Buffer.from('{"funders": []}')), /^grants: The package has no "grants"/);
    assert.match(refusal(Buffer.from('{"grants": {}}')), /must be a list/);
    assert.match(refusal(Buffer.from('[1, 2]')), /must be an object/);
    assert.match(refusal(Buffer.from([0xff, 0xfe, 0x00, 0x41])), /not UTF-8/);
  });

  it('stops a gzip bomb at the limit, and a file over the limit', () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 100_000);
    assert.match(refusal(bomb, { maxBytes: 1024 * 1024, maxGrants: 10 }), /decompresses to more than 1 MB/);
    assert.match(refusal(Buffer.alloc(2 * 1024 * 1024, 0x20), { maxBytes: 1024 * 1024, maxGrants: 10 }), /more than 1 MB/);
    assert.match(refusal(pkg([grant(), grant({ id: 'b' }), grant({ id: 'c' })]), { maxBytes: 1024 * 1024, maxGrants: 2 }), /3 grants, more than the 2/);
  });

  it('rejects each grant that cannot be read, by index with a reason, and keeps the rest', () => {
    const r = readGrantsFile(pkg([
      grant(),
      grant(), // the same id again
      grant({ id: '360G-test-3', amountAwarded: 1e308 }),
      grant({ id: '360G-test-4', amountAwarded: 'ten' }),
      grant({ id: '360G-test-5', currency: 'XYZ' }),
      grant({ id: '360G-test-6', awardDate: '31/02/2020' }),
      grant({ id: '360G-test-7', recipientOrganization: undefined }),
      'not a grant',
      grant({ id: undefined }),
      grant({ id: '360G-test-10', amountAwarded: '2,500', currency: 'usd' }),
    ]), undefined, TODAY);
    assert.deepEqual(r.grants.map((g) => g.id), ['360G-test-1', '360G-test-10']);
    assert.deepEqual(r.rejected.map((x) => [x.index, x.id]), [[1, '360G-test-1'], [2, '360G-test-3'], [3, '360G-test-4'], [4, '360G-test-5'], [5, '360G-test-6'], [6, '360G-test-7'], [7, null], [8, null]]);
    assert.match(r.rejected[0]!.reason, /used already by the grant at index 0/);
    assert.match(r.rejected[1]!.reason, /amount awarded is 1e\+308, more than/);
    assert.match(r.rejected[2]!.reason, /“ten” is not a number/);
    assert.match(r.rejected[3]!.reason, /“XYZ” is not an ISO 4217 currency code/);
    assert.match(r.rejected[4]!.reason, /award date “31\/02\/2020” is not a date/);
    assert.match(r.rejected[5]!.reason, /names no recipient/);
    const usd = r.grants[1]!;
    assert.equal(usd.currency, 'USD');
    assert.equal(usd.amountMinor, 250000);
    const s = summarise(r);
    assert.equal(s.gbpTotalPence, 150050);
    assert.deepEqual(s.otherCurrencies, { USD: 250000 });
    assert.deepEqual(r.problems.filter((p) => p.id === '360G-test-10').map((p) => p.code).sort(), ['amount-text', 'currency-case']);
  });

  it('reports quality problems with grant id, field and severity, and keeps the grant', () => {
    const r = readGrantsFile(pkg([
      grant({ id: 'a', amountAwarded: 0, awardDate: '2030-01-01', description: 'Contact jo@example.org at NE6 1AA' }),
      grant({ id: 'b', awardDate: '1985-05-05', fundingOrganization: [{ id: 'GB-CHC-1' }, { id: 'GB-CHC-9' }], beneficiaryLocation: [{ name: 'Byker' }] }),
      grant({ id: 'c', recipientOrganization: undefined, recipientIndividual: { id: '360G-x-ind-1', name: 'Individual' } }),
    ]), undefined, TODAY);
    assert.equal(r.grants.length, 3);
    const got = r.problems.map((p) => `${p.id} ${p.field} ${p.severity} ${p.code}`).sort();
    assert.deepEqual(got, [
      'a amountAwarded warning zero-amount', 'a awardDate warning future-award-date', 'a description warning email-in-text', 'a description warning postcode-in-text',
      'b awardDate warning early-award-date', 'b beneficiaryLocation/0/geoCode warning location-name-without-code', 'b fundingOrganization warning several-funders',
      'c beneficiaryLocation warning individual-precise-location',
    ]);
  });

  it('refuses a file in which no grant can be read (the service) but reads an empty list as no grants', () => {
    const r = readGrantsFile(pkg([]), undefined, TODAY);
    assert.equal(r.grants.length, 0);
  });
});

describe('grants: the CSV flattened layout', () => {
  it('reads titles like Identifier, Amount Awarded, Recipient Org:Identifier and Beneficiary Location:0:Geographic Code', () => {
    const csv = [
      'Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Postal Code,Funding Org:Identifier,Funding Org:Name,Grant Programme:Title,Beneficiary Location:0:Name,Beneficiary Location:0:Geographic Code,Beneficiary Location:0:Geographic Code Type,From An Open Call?,Regrant Type,Related Activity',
      '360G-csv-1,"Grant to a group, with a comma",A description,GBP,"£1,250.00",05/06/2014,GB-CHC-123,Group One,NE6 1AA,GB-CHC-999,A Trust,Small grants,Newcastle upon Tyne,E08000021,LAD,Y,FRG010,360G-other-1;360G-other-2',
      '360G-csv-2,Second,,GBP,300,2015-01-02,GB-COH-456,Group Two,,GB-CHC-999,A Trust,Small grants,,,,No,,',
    ].join('\r\n');
    const r = readGrantsFile(Buffer.from(csv), undefined, TODAY);
    assert.equal(r.format, 'csv');
    assert.equal(r.rejected.length, 0);
    const [a, b] = r.grants;
    assert.equal(a!.title, 'Grant to a group, with a comma');
    assert.equal(a!.amountMinor, 125000);
    assert.equal(a!.awardDate, '2014-06-05');
    assert.equal(a!.recipientOrgId, 'GB-CHC-123');
    assert.deepEqual(a!.location, { code: 'E08000021', codeType: 'LAD', name: 'Newcastle upon Tyne', postcode: null, source: 'beneficiary', precision: 'local-authority' });
    assert.equal(a!.regrantType, 'FRG010');
    assert.deepEqual(a!.relatedActivity, ['360G-other-1', '360G-other-2']);
    assert.equal(a!.raw.fromOpenCall, 'Yes');
    assert.equal(b!.amountMinor, 30000);
    assert.equal(b!.location.precision, null);
    // In a CSV every value is text: the symbol and commas are a repair, and so are dd/mm/yyyy and Y (which
    // flatten-tool would pass through, invalid against the schema); a plain number is not.
    assert.deepEqual(r.problems.filter((p) => p.severity === 'repaired').map((p) => `${p.id} ${p.field} ${p.code}`), ['360G-csv-1 amountAwarded amount-format', '360G-csv-1 awardDate date-format', '360G-csv-1 fromOpenCall yes-no']);
  });

  it('refuses a CSV without an Identifier column, and one that ends inside quotes', () => {
    assert.match(refusal(Buffer.from('Name,Amount\nA,1\n')), /no column called “Identifier”/);
    assert.match(refusal(Buffer.from('Identifier,Title\n"a,b\n')), /ends inside a quoted value/);
  });
});
