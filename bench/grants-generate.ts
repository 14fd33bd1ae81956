// Writes a 360Giving 1.4.3 package of N grants for the grants benchmarks: realistic fields (funder, recipient
// charity, company or unregistered group, some individuals, programme, planned dates, a few regrants and other
// currencies), beneficiary locations at real small areas (LSOA 2011 and data zone 2011 codes and names from the
// project's places data), some at a ward or a district only. Deterministic (xorshift): the same N writes the
// same bytes. Streamed, so N in the millions needs little memory.
//   node --import tsx bench/grants-generate.ts N OUT.json
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { random } from './spend-generate.ts';

interface Area { code: string; name: string; ward: string; wardName: string; la: string; laName: string }

function areas(): Area[] {
  const root = new URL('../datasets/', import.meta.url);
  const out: Area[] = [];
  const england = gunzipSync(readFileSync(new URL('places/lsoa11-ward19-lookup.csv.gz', root))).toString('utf8').split(/\r?\n/).slice(1);
  for (const line of england) {
    const [, code, name, ward, wardName, la, laName] = line.split(',');
    if (code && laName) out.push({ code, name: name!, ward: ward!, wardName: wardName!, la: la!, laName });
  }
  const scotland = readFileSync(new URL('deprivation/simd2020v2-ranks.csv', root), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).slice(1);
  for (const line of scotland) {
    const [code, zone, council] = line.split(',');
    if (code && council) out.push({ code, name: `${zone} (${code})`, ward: '', wardName: '', la: '', laName: council });
  }
  return out;
}

const FUNDERS = [['GB-CHC-1145988', 'The Northern Community Trust'], ['GB-CHC-327114', 'Lloyds Bank Foundation for England and Wales'], ['GB-SC-SC022910', 'Foundation Scotland'], ['GB-GOR-PB188', 'The National Lottery Community Fund'], ['360G-bench-funder-5', 'A Family Foundation']] as const;
const PROGRAMMES = ['Small Grants', 'Community Action and Voice', 'Core Funding', 'Winter Support', 'Youth Futures', 'Enable'];
const WORDS = ['community', 'garden', 'youth', 'club', 'kitchen', 'advice', 'hub', 'sports', 'carers', 'arts', 'food', 'bank', 'music', 'heritage', 'wellbeing', 'skills'];

/**
 * `from`: the first grant's number (ids 360G-bench-FROM…), so a second file adds grants rather than replacing
 * them; `seed`: another seed gives the same ids other contents (a file that replaces grants).
 */
export async function writeGrantsPackage(path: string, n: number, options: { from?: number; seed?: number } = {}): Promise<void> {
  const from = options.from ?? 0;
  const next = random(options.seed ?? 3602017 + from);
  const places = areas();
  const out = createWriteStream(path);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  out.write('{"grants":[');
  let buffer = '';
  for (let i = 0; i < n; i++) {
    const a = pick(places);
    const [funderId, funderName] = pick(FUNDERS);
    const year = 2015 + Math.floor(next() * 10);
    const month = 1 + Math.floor(next() * 12);
    const day = 1 + Math.floor(next() * 28);
    const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const amount = i % 250 === 0 ? 0 : Math.round(500 + next() * next() * 250_000) + (i % 7 === 0 ? 0.5 : 0);
    const words = `${pick(WORDS)} ${pick(WORDS)}`;
    const r = next();
    const recipient = r < 0.05
      ? { recipientIndividual: { id: `360G-bench-ind-${i}`, name: 'Individual Recipient' } }
      : { recipientOrganization: [{ id: r < 0.6 ? `GB-CHC-${1_000_000 + Math.floor(next() * 200_000)}` : r < 0.8 ? `GB-COH-${String(Math.floor(next() * 9_999_999)).padStart(8, '0')}` : `360G-bench-group-${Math.floor(next() * 100_000)}`, name: `${a.laName} ${words} group` }] };
    const where = r < 0.05 ? { name: a.laName, geoCode: a.la || a.code, geoCodeType: a.la ? 'LAD' : 'DZ' }
      : next() < 0.85 || !a.ward ? { name: a.name, geoCode: a.code, geoCodeType: a.code.startsWith('S') ? 'DZ' : 'LSOA' } : { name: a.wardName, geoCode: a.ward, geoCodeType: 'WD' };
    const g: Record<string, unknown> = {
      id: `360G-bench-${from + i}`, title: `${words[0]!.toUpperCase()}${words.slice(1)} project`, description: `Funding towards the ${words} work of a group in ${a.laName}, for ${1 + Math.floor(next() * 3)} years.`,
      currency: i % 97 === 0 ? 'EUR' : 'GBP', amountAwarded: amount, awardDate: date, dateModified: `${date}T10:00:00+00:00`,
      plannedDates: [{ startDate: date, endDate: `${year + 1}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, duration: 12 }],
      ...recipient, fundingOrganization: [{ id: funderId, name: funderName }], grantProgramme: [{ code: `P${i % PROGRAMMES.length}`, title: PROGRAMMES[i % PROGRAMMES.length] }],
      beneficiaryLocation: [where], fromOpenCall: next() < 0.8 ? 'Yes' : 'No', dataSource: 'https://example.org/grants/open-data',
    };
    if (i % 40 === 0) g.regrantType = 'FRG010';
    buffer += (i ? ',' : '') + JSON.stringify(g);
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer);
  out.end('],"license":"https://creativecommons.org/licenses/by/4.0/"}');
  await once(out, 'finish');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1000);
  const path = process.argv[3] ?? `grants-${n}.json`;
  await writeGrantsPackage(path, n);
  console.log(`wrote ${n} grants to ${path}`);
}
