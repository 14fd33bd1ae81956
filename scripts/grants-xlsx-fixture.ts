// Builds datasets/grants/community-foundations-regrants.xlsx from the real 360Giving JSON beside it, in the
// flattened layout as 360Giving's spreadsheet templates lay it out: a “grants” sheet with the CSV's column
// titles (award dates as spreadsheet dates, amounts as numbers), a “beneficiaryLocation” sheet with one row per
// beneficiary location joined by the grant's Identifier, and a “Read me” sheet that is not data.
//   node --import tsx scripts/grants-xlsx-fixture.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { writeXlsx, type XlsxValue } from '../src/grants/grants.xlsx-writer.ts';

type G = Record<string, any>;
const source = new URL('../datasets/grants/community-foundations-regrants.json', import.meta.url);
const grants = (JSON.parse(readFileSync(source, 'utf8')) as { grants: G[] }).grants;

const columns: [string, (g: G) => XlsxValue][] = [
  ['Identifier', (g) => g.id], ['Title', (g) => g.title], ['Description', (g) => g.description], ['Currency', (g) => g.currency],
  ['Amount Applied For', (g) => g.amountAppliedFor], ['Amount Awarded', (g) => g.amountAwarded],
  ['Award Date', (g) => (/^\d{4}-\d{2}-\d{2}/.test(g.awardDate) ? { date: g.awardDate } : g.awardDate)],
  ['Regrant Type', (g) => g.regrantType],
  ['Recipient Org:Identifier', (g) => g.recipientOrganization?.[0]?.id], ['Recipient Org:Name', (g) => g.recipientOrganization?.[0]?.name],
  ['Recipient Ind:Identifier', (g) => g.recipientIndividual?.id], ['Recipient Ind:Name', (g) => g.recipientIndividual?.name],
  ['Funding Org:Identifier', (g) => g.fundingOrganization?.[0]?.id], ['Funding Org:Name', (g) => g.fundingOrganization?.[0]?.name],
  ['Grant Programme:Code', (g) => g.grantProgramme?.[0]?.code], ['Grant Programme:Title', (g) => g.grantProgramme?.[0]?.title],
  ['Planned Dates:Start Date', (g) => g.plannedDates?.[0]?.startDate], ['Planned Dates:End Date', (g) => g.plannedDates?.[0]?.endDate],
  ['Planned Dates:Duration (months)', (g) => g.plannedDates?.[0]?.duration],
];
const locationColumns: [string, (l: G) => XlsxValue][] = [
  ['Beneficiary Location:Name', (l) => l.name], ['Beneficiary Location:Country Code', (l) => l.countryCode],
  ['Beneficiary Location:Geographic Code', (l) => l.geoCode], ['Beneficiary Location:Geographic Code Type', (l) => l.geoCodeType],
];

const bytes = writeXlsx([
  { name: 'grants', rows: [columns.map(([t]) => t), ...grants.map((g) => columns.map(([, f]) => f(g)))] },
  { name: 'beneficiaryLocation', rows: [['Identifier', ...locationColumns.map(([t]) => t)], ...grants.flatMap((g) => (g.beneficiaryLocation ?? []).map((l: G) => [g.id, ...locationColumns.map(([, f]) => f(l))]))] },
  { name: 'Read me', rows: [['Built from community-foundations-regrants.json (360Giving test data, GrantNav) by scripts/grants-xlsx-fixture.ts']] },
]);
writeFileSync(new URL('../datasets/grants/community-foundations-regrants.xlsx', import.meta.url), bytes);
console.log(`wrote ${bytes.length} bytes, ${grants.length} grants`);
