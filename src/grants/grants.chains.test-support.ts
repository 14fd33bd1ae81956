// A small, hand-checked world for the chains and fairness tests: ten English LSOAs (LSOA i has IMD 2019 rank
// and decile i and i × 1,000 people, so decile k holds k/55 of England) and ten Scottish data zones (data zone
// i has SIMD 2020 rank and decile i, 500 people each: a tenth of Scotland each), loaded through the places
// module's own imports.
import { gzipSync } from 'node:zlib';
import { cliActor } from '../platform/actor.ts';
import type { AppContext } from '../platform/module.ts';
import { importIod2019, importSimd2020 } from '../places/places.service.ts';
import { FILE2_HEADER, FILE6_HEADER, SIMD_HEADER } from '../places/places.test-data.ts';

export const lsoa = (i: number) => `E01${String(i).padStart(6, '0')}`;
export const dataZone = (i: number) => `S01${String(i).padStart(6, '0')}`;
const lad = (i: number) => (i <= 5 ? 'E06000001' : 'E06000002');
const ladName = (i: number) => (i <= 5 ? 'Hartlepool' : 'Middlesbrough');

export function fairnessPlacesFiles() {
  const domains = [FILE2_HEADER];
  const population = [FILE6_HEADER];
  const simd = [SIMD_HEADER];
  for (let i = 1; i <= 10; i++) {
    domains.push(`${lsoa(i)},Test ${i},${lad(i)},${ladName(i)},${i},${i},${Array(7).fill(i).join(',')}`);
    population.push(`${lsoa(i)},Test ${i},${lad(i)},${ladName(i)},${i * 1000}`);
    simd.push(`${dataZone(i)},Zone ${i},Glasgow City,500,300,${i},${Array(7).fill(i).join(',')}`);
  }
  return { domains: gzipSync(Buffer.from(domains.join('\n'))), population: Buffer.from(population.join('\n')), ranks: Buffer.from(simd.join('\n')) };
}

/** Loads the small England and Scotland (again is a no-op). */
export async function loadFairnessPlaces(ctx: AppContext): Promise<void> {
  const f = fairnessPlacesFiles();
  await importIod2019(ctx.db, cliActor, { domains: f.domains, population: f.population });
  await importSimd2020(ctx.db, cliActor, { ranks: f.ranks });
}

const at = (code: string, type: string) => [{ name: code, geoCode: code, geoCodeType: type }];

/** A 360Giving grant for the fixtures; `extra` overrides any field. */
export function fixtureGrant(id: string, pounds: number, extra: Record<string, unknown> = {}) {
  return {
    id, title: `Grant ${id}`, description: 'For a community project', currency: 'GBP', amountAwarded: pounds, awardDate: '2024-05-01',
    fundingOrganization: [{ id: 'GB-CHC-1000147', name: 'A B Charitable Trust' }], recipientOrganization: [{ id: `360G-group-${id}`, name: `Group ${id}` }],
    beneficiaryLocation: at(lsoa(1), 'LSOA'), grantProgramme: [{ title: 'Other' }], ...extra,
  };
}

/**
 * The hand-checked fairness fixture. England: £1,500 in decile 1, £300 in decile 2, £200 in decile 10 (of
 * £2,000 placed). Scotland: £100 in decile 3. Not placed: a ward (£50), a district (£70), no location (£10), an
 * LSOA that is not loaded (£20), a Welsh LSOA (£30). Apart: US$99.99. Programme "Small grants": g1 and g3.
 */
export function fairnessFixture() {
  const small = { grantProgramme: [{ title: 'Small grants' }] };
  return [
    fixtureGrant('g1', 1000, small), fixtureGrant('g2', 500), fixtureGrant('g3', 300, { ...small, beneficiaryLocation: at(lsoa(2), 'LSOA') }),
    fixtureGrant('g4', 200, { beneficiaryLocation: at(lsoa(10), 'LSOA') }), fixtureGrant('s1', 100, { beneficiaryLocation: at(dataZone(3), 'DZ') }),
    fixtureGrant('w1', 50, { beneficiaryLocation: at('E05000001', 'WD') }), fixtureGrant('la1', 70, { beneficiaryLocation: at('E08000021', 'LAD') }),
    fixtureGrant('n1', 10, { beneficiaryLocation: undefined }), fixtureGrant('x1', 20, { beneficiaryLocation: at('E01999999', 'LSOA') }),
    fixtureGrant('cy1', 30, { beneficiaryLocation: at('W01000001', 'LSOA') }), fixtureGrant('usd1', 99.99, { currency: 'USD' }),
  ];
}
