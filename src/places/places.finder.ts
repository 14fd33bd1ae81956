// The place finder: what a person types ("NE6 1AA", "ne61aa", "SR1 1", "Byker", "Sunderland", E01008304) →
// the small areas and local authority they mean, and a sentence saying what matched and how. Other modules'
// forms (alerts, time-bank joining, needs, petitions) call findPlace instead of asking for a code.
import type { Db } from '../platform/db.ts';
import { readPlaceText } from './places.postcode.ts';
import * as repo from './places.repository.ts';
import { presentAreaRows, presentAreaRowsCounted, type AreaNeedView, type AreaRow } from './places.service.ts';
import * as names from './places.names.ts';
import { nameIndex } from './places.names.ts';

export type { AreaNeedView } from './places.service.ts';

export interface LocalAuthorityRef {
  code: string;
  name: string;
}

export interface WardMatch {
  code: string;
  name: string;
  localAuthority: LocalAuthorityRef | null;
  /** Its small areas (best fit), most deprived first. */
  areas: AreaNeedView[];
}

/** What findPlace found. Every variant carries `summary`: one plain sentence a page can show as it is. */
export type PlaceMatch =
  | { kind: 'empty'; summary: string }
  /** Short text with digits that cannot be a postcode ("NE6 1A"): a validation message for the field. */
  | { kind: 'invalid'; summary: string; message: string }
  /** A postcode in the loaded directory with a loaded small area: the person's area. */
  | { kind: 'postcode'; summary: string; postcode: string; area: AreaNeedView; localAuthority: LocalAuthorityRef; terminated: string | null }
  /** A postcode in the directory whose small area is not loaded (e.g. Wales, Northern Ireland). */
  | { kind: 'postcode-elsewhere'; summary: string; postcode: string; localAuthority: LocalAuthorityRef | null; terminated: string | null }
  /** A well-formed postcode that is not in what is loaded; `sector` holds its sector's areas when they are known. */
  | { kind: 'postcode-unknown'; summary: string; postcode: string; sector: { sector: string; areas: AreaNeedView[] } | null }
  /** A postcode sector ("NE6 1") or outward code ("NE6"): the small areas its live postcodes lie in. */
  | { kind: 'sector'; summary: string; sector: string; areas: AreaNeedView[] }
  | { kind: 'outward'; summary: string; sector: string; areas: AreaNeedView[] }
  /** A small-area or local-authority code. */
  | { kind: 'area'; summary: string; area: AreaNeedView }
  | { kind: 'local-authority'; summary: string; localAuthority: LocalAuthorityRef }
  /**
   * Words: wards by name (each with its small areas), local authorities by name, and small areas by their
   * published name or code (`areas` is one page of `limit`, `totalAreas` counts them all).
   */
  | { kind: 'names'; summary: string; wards: WardMatch[]; localAuthorities: LocalAuthorityRef[]; areas: AreaNeedView[]; totalAreas: number }
  | { kind: 'nothing'; summary: string };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "201105" → "May 2011". */
export function monthWords(yyyymm: string): string {
  return `${MONTHS[Number(yyyymm.slice(4, 6)) - 1] ?? '?'} ${yyyymm.slice(0, 4)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

async function areasOf(db: Db, codes: { area_code: string; postcodes: number }[]): Promise<AreaNeedView[]> {
  const rows = await repo.smallAreasByCode(db, codes.map((c) => c.area_code));
  const areas = await presentAreaRows(db, rows);
  return areas.sort((a, b) => a.country.localeCompare(b.country) || a.rank - b.rank || (a.code < b.code ? -1 : 1));
}

/**
 * Finds the place a person means from what they type: a full postcode (any spacing or case) → its small area
 * (LSOA 2011 or data zone 2011) and local authority, with a note if the postcode was terminated; a sector
 * ("NE6 1") or outward code ("NE6") → the small areas of its live postcodes; a ward or locality name ("Byker",
 * "Walker") → each matching ward's small areas; a local-authority or small-area name or code → those. Never
 * throws for what a person typed: a postcode-like text that cannot be a postcode is `invalid` (with a message
 * for the field), a postcode not in what is loaded is `postcode-unknown` (say so, and offer the list of local
 * authorities). Reads only; about 1 ms on a warm database (bench/places-finder.bench.ts).
 *
 * @example
 *   const found = await findPlace(db, 'ne6 1aa');
 *   if (found.kind === 'postcode') use(found.area.code, found.localAuthority.code);
 *   else show(found.summary);
 */
export async function findPlace(db: Db, text: string, options: { limit?: number; page?: number } = {}): Promise<PlaceMatch> {
  const limit = Math.min(100, Math.max(1, options.limit ?? 25));
  const read = readPlaceText(text);
  switch (read.shape) {
    case 'empty':
      return { kind: 'empty', summary: 'Enter a postcode or the name of a place.' };
    case 'not-a-postcode':
      return {
        kind: 'invalid', summary: `“${read.text}” is not a postcode.`,
        message: 'Enter a full postcode, like NE6 1AA, a postcode sector, like NE6 1, or the name of a place, like Byker',
      };
    case 'postcode': {
      const row = await repo.postcodeWithArea(db, read.compact);
      if (!row) {
        const inSector = await repo.areasOfPostcodes(db, { sector: read.sector });
        const sectorAreas = inSector.length ? await areasOf(db, inSector) : [];
        const loaded = await repo.countPostcodes(db);
        const summary = `We don't have ${read.postcode}: it is not in the ${loaded ? `${plural(loaded, 'postcode')} loaded here` : 'postcode directory, which is not loaded here'}.` +
          (sectorAreas.length ? ` Its sector, ${read.sector}, covers ${plural(sectorAreas.length, 'small area')}.` : ' Check the postcode, or choose your local authority.');
        return { kind: 'postcode-unknown', summary, postcode: read.postcode, sector: sectorAreas.length ? { sector: read.sector, areas: sectorAreas } : null };
      }
      const terminated = row.terminated;
      const note = terminated ? ` ${row.postcode} was terminated in ${monthWords(terminated)}: this is where it was.` : '';
      const { code, name, kind, la_code, population, la_name, country } = row;
      const area = code !== null && name !== null && kind !== null && la_code !== null && population !== null && la_name !== null && country !== null
        ? (await presentAreaRows(db, [{ ...row, code, name, kind, la_code, population, la_name, country }]))[0]
        : undefined;
      if (area) {
        return {
          kind: 'postcode', postcode: row.postcode, area, localAuthority: area.localAuthority, terminated,
          summary: `${row.postcode} is in ${area.label}, ${area.localAuthority.name}.${note}`,
        };
      }
      const la = row.postcode_la_code ? { code: row.postcode_la_code, name: row.postcode_la_name ?? row.postcode_la_code } : null;
      return {
        kind: 'postcode-elsewhere', postcode: row.postcode, localAuthority: la, terminated,
        summary: `${row.postcode} is in the postcode directory${la?.name && la.name !== la.code ? ` (${la.name})` : ''}, but its small area is not one of England's or Scotland's loaded here.${note}`,
      };
    }
    case 'sector':
    case 'outward': {
      const by = read.shape === 'sector' ? { sector: read.sector } : { outward: read.outward };
      const found = await repo.areasOfPostcodes(db, by);
      const label = read.shape === 'sector' ? read.sector : read.outward;
      if (found.length === 0) {
        const loaded = await repo.countPostcodes(db);
        return { kind: 'nothing', summary: `We don't have the postcode ${read.shape === 'sector' ? 'sector' : 'district'} ${label}: none of the ${loaded ? plural(loaded, 'postcode') : 'postcodes'} loaded here are in it.` };
      }
      const areas = await areasOf(db, found);
      const postcodes = found.reduce((s, f) => s + f.postcodes, 0);
      return {
        kind: read.shape as 'sector', sector: label, areas,
        summary: `The ${plural(postcodes, 'live postcode')} of ${read.shape === 'sector' ? 'sector' : 'postcode district'} ${label} lie in ${plural(areas.length, 'small area')}.`,
      };
    }
    case 'code': {
      const area = (await presentAreaRows(db, await repo.smallAreasByCode(db, [read.code])))[0];
      if (area) return { kind: 'area', area, summary: `${read.code} is the small area ${area.label}, ${area.localAuthority.name}.` };
      const la = await repo.localAuthority(db, read.code);
      if (la) return { kind: 'local-authority', localAuthority: { code: la.code, name: la.name }, summary: `${read.code} is ${la.name}.` };
      const wards = await repo.areasOfWards(db, [read.code]);
      if (wards.length) {
        const areas = await presentAreaRows(db, wards);
        const ward = areas[0]!.ward!;
        return {
          kind: 'names', wards: [{ code: ward.code, name: ward.name, localAuthority: areas[0]!.localAuthority, areas }], localAuthorities: [], areas: [], totalAreas: 0,
          summary: `${read.code} is the ward ${ward.name}, ${areas[0]!.localAuthority.name}: ${plural(areas.length, 'small area')}.`,
        };
      }
      return { kind: 'nothing', summary: `No local authority, ward or small area loaded here has the code ${read.code}.` };
    }
    case 'words': {
      const q = read.text;
      // Names are answered from the in-memory name index (places.names.ts), current as of the imports just read.
      const index = await nameIndex(db, await repo.listImports(db));
      const present = (rows: readonly AreaRow[]) => presentAreaRowsCounted(rows, index.counts);
      const wards: WardMatch[] = (q.length >= 2 ? names.wardsNamed(index, q, 20) : []).map((w) => ({
        code: w.code, name: w.name, localAuthority: w.la_name ? { code: w.la_code, name: w.la_name } : null,
        areas: present(w.areas),
      })).filter((w) => w.areas.length > 0);
      const found = names.smallAreasNamed(index, q, limit, ((options.page ?? 1) - 1) * limit);
      const areas = present(found.areas);
      const localAuthorities = names.localAuthoritiesNamed(index, q).map((l) => ({ code: l.code, name: l.name }));
      const totalAreas = found.total;
      if (wards.length === 0 && localAuthorities.length === 0 && totalAreas === 0) {
        return { kind: 'nothing', summary: `No ward, town, local authority or small area loaded here is called “${q}”.` };
      }
      const parts = [
        wards.length === 1 ? `the ward ${wards[0]!.name}${wards[0]!.localAuthority ? ` (${wards[0]!.localAuthority.name})` : ''}: ${plural(wards[0]!.areas.length, 'small area')}` : '',
        wards.length > 1 ? `${plural(wards.length, 'ward')} (${wards.slice(0, 5).map((w) => `${w.name}: ${plural(w.areas.length, 'small area')}`).join('; ')}${wards.length > 5 ? '; …' : ''})` : '',
        localAuthorities.length ? plural(localAuthorities.length, 'local authority', 'local authorities') : '',
        totalAreas ? `${plural(totalAreas, 'small area')} by name` : '',
      ].filter((p) => p !== '');
      return { kind: 'names', wards, localAuthorities, areas, totalAreas, summary: `“${q}” matches ${parts.join(', ')}.` };
    }
  }
}
