// The place finder: what a person types ("NE6 1AA", "ne61aa", "SR1 1", "Byker", "Sunderland", E01008304) →
// the small areas and local authority they mean, and a sentence saying what matched and how. Other modules'
// forms (alerts, time-bank joining, needs, petitions) call findPlace instead of asking for a code.
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { formatPostcode, readPlaceText } from './places.postcode.ts';
import * as repo from './places.repository.ts';
import { areasForPostcodes, presentAreaRows, presentAreaRowsCounted, type AreaNeedView, type AreaRow } from './places.service.ts';
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

/** One line of "places" a person typed, read into small areas, a choice of wards, or a sentence why not. */
export type PlaceLine =
  | { kind: 'areas'; text: string; areas: AreaNeedView[]; how: string }
  /** Several wards fit the name: the person chooses which (`wards`, by name and local authority). */
  | { kind: 'choose'; text: string; wards: WardMatch[]; message: string }
  | { kind: 'problem'; text: string; message: string };

/**
 * Reads one line a person typed — a postcode ("NE6 1AA"), a sector ("SR1 1"), a ward or neighbourhood
 * ("Byker"), a small area's name ("Newcastle upon Tyne 026C") or code — into the small areas it means, through
 * {@link findPlace}. A name several wards share is `choose` unless `chosenWards` (ward codes the person picked)
 * settles it; a whole local authority, a postcode that is not loaded, or nothing at all is a `problem` whose
 * message names the text. Reads only.
 */
export async function areasOfPlace(db: Db, text: string, chosenWards: readonly string[] = []): Promise<PlaceLine> {
  const typed = text.trim().slice(0, 100);
  const found = await findPlace(db, typed, { limit: 100 });
  switch (found.kind) {
    case 'postcode': return { kind: 'areas', text: typed, areas: [found.area], how: found.summary };
    case 'area': return { kind: 'areas', text: typed, areas: [found.area], how: found.summary };
    case 'sector': case 'outward': return { kind: 'areas', text: typed, areas: found.areas, how: found.summary };
    case 'invalid': return { kind: 'problem', text: typed, message: `“${typed}”: ${found.message}` };
    case 'local-authority':
      return { kind: 'problem', text: typed, message: `“${typed}” is a whole local authority (${found.localAuthority.name}): give its postcodes, wards or neighbourhoods, or choose the local authority from the list` };
    case 'names': {
      const lower = typed.toLowerCase();
      const exactAreas = found.areas.filter((a) => a.name.toLowerCase() === lower || a.label.toLowerCase() === lower);
      if (exactAreas.length === 1) return { kind: 'areas', text: typed, areas: exactAreas, how: `“${typed}” is the small area ${exactAreas[0]!.label}.` };
      const picked = found.wards.filter((w) => chosenWards.includes(w.code));
      if (picked.length) return { kind: 'areas', text: typed, areas: picked.flatMap((w) => w.areas), how: `You chose ${picked.map((w) => w.name).join(', ')}.` };
      const exactWards = found.wards.filter((w) => w.name.toLowerCase() === lower);
      const wards = exactWards.length ? exactWards : found.wards;
      if (wards.length === 1) {
        const w = wards[0]!;
        return { kind: 'areas', text: typed, areas: w.areas, how: `“${typed}” is the ward ${w.name}${w.localAuthority ? `, ${w.localAuthority.name}` : ''}: ${plural(w.areas.length, 'small area')}.` };
      }
      if (found.wards.length > 1) return { kind: 'choose', text: typed, wards: found.wards, message: `Several places are called “${typed}”: choose which you mean` };
      if (found.localAuthorities.some((l) => l.name.toLowerCase() === lower) || (found.localAuthorities.length && found.totalAreas === 0)) {
        return { kind: 'problem', text: typed, message: `“${typed}” is a whole local authority: give its postcodes, wards or neighbourhoods, or choose the local authority from the list` };
      }
      return { kind: 'problem', text: typed, message: `“${typed}” matches ${plural(found.totalAreas, 'small area')} by name: give a postcode, a ward or the small area’s full name` };
    }
    case 'postcode-unknown':
      return { kind: 'problem', text: typed, message: `We don't have the postcode ${found.postcode}${found.sector ? `; its sector, ${found.sector.sector}, is loaded: give the sector, or the name of the ward` : ': give the name of its ward or neighbourhood instead'}` };
    case 'postcode-elsewhere':
      return { kind: 'problem', text: typed, message: `${found.postcode} is not in a small area of England or Scotland loaded here` };
    default:
      return { kind: 'problem', text: typed, message: found.summary };
  }
}

/** Splits a whole `amount` among `weights` in proportion, exactly: shares add up to the amount (largest remainders). */
export function shareByWeight(amount: bigint, weights: readonly number[]): bigint[] {
  if (weights.length === 0) return [];
  const sign = amount < 0n ? -1n : 1n;
  const whole = amount * sign;
  const w = weights.map((x) => BigInt(Math.max(0, Math.round(x))));
  const total = w.reduce((s, x) => s + x, 0n);
  const ws = total === 0n ? weights.map(() => 1n) : w;
  const sum = total === 0n ? BigInt(weights.length) : total;
  const shares = ws.map((x) => (whole * x) / sum);
  let left = whole - shares.reduce((s, x) => s + x, 0n);
  const order = ws.map((x, i) => ({ i, rem: (whole * x) % sum })).sort((a, b) => (a.rem > b.rem ? -1 : a.rem < b.rem ? 1 : a.i - b.i));
  for (const { i } of order) {
    if (left === 0n) break;
    shares[i]! += 1n;
    left -= 1n;
  }
  return shares.map((x) => x * sign);
}

/**
 * Turns the places of `amounts` (as parseAmountsCsv keeps them: codes, postcodes, or names like "Byker") into
 * small-area codes for the fairness report. A name is read by {@link areasOfPlace}: a ward's amount is shared
 * among its small areas by population (exactly, in whole units), and `shared` says how many lines were. A name
 * that means nothing, or several wards, is a validation error on `field` naming up to five of them, so nothing
 * is counted silently. Postcodes and codes go on to {@link areasForPostcodes}.
 */
export async function areasForPlaces(db: Db, amounts: readonly (readonly [string, bigint])[], field = 'csv'): Promise<{ amounts: [string, bigint][]; shared: number }> {
  const isName = (k: string) => !/^[A-Za-z][0-9]{8}$/.test(k) && formatPostcode(k) === null;
  const names = [...new Set(amounts.map(([k]) => k).filter(isName))].slice(0, 1000);
  const read = new Map<string, AreaNeedView[]>();
  const problems: string[] = [];
  for (const name of names) {
    const found = await areasOfPlace(db, name);
    if (found.kind === 'areas') read.set(name, found.areas);
    else problems.push(found.kind === 'choose' ? `“${name}” could be ${found.wards.slice(0, 4).map((w) => `${w.name}${w.localAuthority ? ` (${w.localAuthority.name})` : ''}`).join(', ')}${found.wards.length > 4 ? ' …' : ''}: give a postcode in it` : found.message);
  }
  if (amounts.some(([k]) => isName(k) && !read.has(k)) && problems.length === 0) problems.push('give 1,000 different place names or fewer: use postcodes or area codes for the rest');
  if (problems.length) {
    throw AppError.validation([{ field, message: `${problems.slice(0, 5).join('. ')}${problems.length > 5 ? `, and ${problems.length - 5} more` : ''}` }]);
  }
  let shared = 0;
  const out: [string, bigint][] = [];
  for (const [k, v] of amounts) {
    const areas = isName(k) ? read.get(k)! : null;
    if (!areas) { out.push([k, v]); continue; }
    if (areas.length > 1) shared += 1;
    const shares = shareByWeight(v, areas.map((a) => a.population));
    areas.forEach((a, i) => out.push([a.code, shares[i]!]));
  }
  return { amounts: await areasForPostcodes(db, out, field), shared };
}
