// The grants explorer (issue 17, explore and publish): GrantNav-class search over every publisher's current
// grants, and funder, recipient and programme pages. Public: only published grants are ever read (drafts
// live in the platform's drafts, not in grants_grants), and a grant to an individual is never shown by name
// nor placed finer than its local authority.
//
// One reading of the filters serves the search page, its downloads and GET /api/v1/grants: `readFilters`
// takes the query as sent, returns the filters and, for a person's form, an error per field it could not read.
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { findPlace } from '../places/places.finder.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import { areaNeed, listLocalAuthorities } from '../places/places.service.ts';
import * as repo from './grants.search.repository.ts';
import { mergedWith } from './grants.groups.repository.ts';
import type { GrantFilters, RecipientKind, SearchRow } from './grants.search.repository.ts';

export type { GrantFilters, RecipientKind } from './grants.search.repository.ts';

export const RECIPIENT_KINDS: { value: RecipientKind; text: string }[] = [
  { value: 'charity', text: 'Registered charity' },
  { value: 'company', text: 'Company' },
  { value: 'unregistered', text: 'Unregistered group' },
  { value: 'individual', text: 'Individual' },
  { value: 'other', text: 'Other registered organisation' },
];

/** The query string the explorer reads (page, downloads and API alike). All text. */
export interface ExploreQuery {
  q?: string;
  funder?: string;
  recipient?: string;
  programme?: string;
  minAmount?: string;
  maxAmount?: string;
  from?: string;
  to?: string;
  financialYear?: string;
  /** What a person typed: a place name, ward, postcode or local authority, read by the place finder. */
  place?: string;
  /** Chosen from the finder's choices (links), never typed: a local authority's or small areas' codes. */
  la?: string;
  area?: string;
  regrantType?: string;
  recipientType?: string;
  publisher?: string;
  page?: string;
}

export const QUERY_KEYS: (keyof ExploreQuery)[] = ['q', 'funder', 'recipient', 'programme', 'minAmount', 'maxAmount', 'from', 'to', 'financialYear', 'place', 'la', 'area', 'regrantType', 'recipientType', 'publisher'];

export interface PlaceChoice {
  text: string;
  /** The query key and value that choose it. */
  key: 'la' | 'area';
  value: string;
}

export interface ReadFilters {
  filters: GrantFilters;
  errors: { field: string; message: string }[];
  /** The place the filters hold, in words ("Newcastle upon Tyne", "Byker (Newcastle upon Tyne 026C)"). */
  placeLabel: string | null;
  /** When what was typed could mean several places: the ones to choose from. */
  placeChoices: PlaceChoice[];
  /** The query with only the keys that were given (for links: pages, downloads). */
  query: ExploreQuery;
}

const ORG_ID = /^(?:360G-\S+|[A-Z]{2}-[A-Z0-9]{2,10}-\S+)$/i;
const LA_CODE = /^[ESWN]\d{8}$/i;
const AREA_CODE = /^[ES]0[1-9]\d{6}$/i;

/** "£1,500.50", "1500", "1,500.5" → pence; null when it is not an amount. */
export function readPounds(text: string): number | null {
  const t = text.trim().replace(/^£/, '').replace(/,/g, '');
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** "2023-04-01", "1/4/2023", "01/04/2023" → "2023-04-01"; null when it is not a real date. */
export function readDay(text: string): string | null {
  const t = text.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t))) [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** "2023-24" or "2023" → the UK financial year starting in April 2023. */
export function readFinancialYear(text: string): { start: number; from: string; to: string } | null {
  const match = /^(\d{4})(?:\s*(?:-|to|\/)\s*(\d{2}|\d{4}))?$/.exec(text.trim());
  if (!match) return null;
  const start = Number(match[1]);
  if (match[2] && Number(match[2].slice(-2)) !== (start + 1) % 100) return null;
  if (start < 1900 || start > 2200) return null;
  return { start, from: `${start}-04-01`, to: `${start + 1}-03-31` };
}

export const financialYearLabel = (start: number) => `${start} to ${start + 1}`;

const clean = (v: unknown, max = 200): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  if (typeof s !== 'string') return undefined;
  const t = s.trim().slice(0, max);
  return t === '' ? undefined : t;
};

const laCache = new WeakMap<object, { at: number; list: { code: string; name: string }[] }>();
/** Every local authority's code and name, kept ten minutes per database (it is computed over every small area). */
export async function localAuthorities(db: Db): Promise<{ code: string; name: string }[]> {
  const hit = laCache.get(db);
  if (hit && Date.now() - hit.at < 10 * 60 * 1000) return hit.list;
  const list = (await listLocalAuthorities(db)).map((l) => ({ code: l.code, name: l.name }));
  if (list.length) laCache.set(db, { at: Date.now(), list });
  return list;
}

/**
 * An unregistered group's id and the ids a person confirmed are the same group (grants.groups.ts): a recipient
 * filter then matches all of them, so the group is counted once. Any other id stands for itself.
 */
export async function sameGroup(db: Db, recipientId: string): Promise<Pick<GrantFilters, 'recipientIds'>> {
  if (!/^360G-/i.test(recipientId)) return {};
  const ids = await mergedWith(db, recipientId);
  return ids.length > 1 ? { recipientIds: ids } : {};
}

/** Reads the explorer's query: the filters, what could not be read (by field), and the place it names. */
export async function readFilters(db: Db, raw: Record<string, unknown>): Promise<ReadFilters> {
  const query: ExploreQuery = {};
  for (const k of [...QUERY_KEYS, 'page' as const]) {
    const v = clean(raw[k], k === 'q' ? 500 : k === 'area' ? 2000 : 200);
    if (v !== undefined) query[k] = v;
  }
  const f: GrantFilters = {};
  const errors: { field: string; message: string }[] = [];
  if (query.q) f.text = query.q;
  if (query.publisher) {
    // By its id, slug or org-id, as everywhere else a publisher is named.
    const publisher = await findOrganisation(db, query.publisher);
    if (publisher) f.publisherId = publisher.id;
    else errors.push({ field: 'publisher', message: `No organisation is registered as “${query.publisher}”` });
  }
  if (query.funder) (ORG_ID.test(query.funder) ? (f.funderId = query.funder) : (f.funderName = query.funder));
  if (query.recipient) (ORG_ID.test(query.recipient) ? (f.recipientId = query.recipient) : (f.recipientName = query.recipient));
  if (f.recipientId) Object.assign(f, await sameGroup(db, f.recipientId));
  if (query.programme) f.programme = query.programme;
  for (const [key, target] of [['minAmount', 'minPence'], ['maxAmount', 'maxPence']] as const) {
    const v = query[key];
    if (v === undefined) continue;
    const pence = readPounds(v);
    if (pence === null) errors.push({ field: key, message: `Enter the ${key === 'minAmount' ? 'smallest' : 'largest'} amount in pounds, like 500 or 1,250.50` });
    else f[target] = pence;
  }
  if (f.minPence !== undefined && f.maxPence !== undefined && f.minPence > f.maxPence) errors.push({ field: 'maxAmount', message: 'The largest amount must be the same as or more than the smallest' });
  for (const key of ['from', 'to'] as const) {
    const v = query[key];
    if (v === undefined) continue;
    const day = readDay(v);
    if (day === null) errors.push({ field: key, message: `Enter the ${key === 'from' ? 'first' : 'last'} award date as a real date, like 2023-04-01 or 1/4/2023` });
    else f[key] = day;
  }
  if (f.from && f.to && f.from > f.to) errors.push({ field: 'to', message: 'The last award date must be the same as or after the first' });
  if (query.financialYear) {
    const fy = readFinancialYear(query.financialYear);
    if (!fy) errors.push({ field: 'financialYear', message: 'Choose a financial year, like 2023 to 2024' });
    else {
      // Within the dates given, if any: a year and a range narrow each other.
      f.from = f.from && f.from > fy.from ? f.from : fy.from;
      f.to = f.to && f.to < fy.to ? f.to : fy.to;
    }
  }
  if (query.regrantType) f.regrantType = query.regrantType;
  if (query.recipientType) {
    const kind = RECIPIENT_KINDS.find((k) => k.value === query.recipientType);
    if (!kind) errors.push({ field: 'recipientType', message: 'Choose a kind of recipient from the list' });
    else f.recipientKind = kind.value;
  }

  let placeLabel: string | null = null;
  const placeChoices: PlaceChoice[] = [];
  if (query.la) {
    const las = await localAuthorities(db);
    const wanted = query.la.split(',').map((c) => c.trim().toUpperCase()).filter((c) => LA_CODE.test(c));
    const found = las.filter((l) => wanted.includes(l.code));
    if (found.length === 0) errors.push({ field: 'place', message: 'That local authority is not known here: type its name' });
    else { f.laCodes = found.map((l) => l.code); placeLabel = found.map((l) => l.name).join(', '); }
  } else if (query.area) {
    const codes = [...new Set(query.area.split(',').map((c) => c.trim().toUpperCase()).filter((c) => AREA_CODE.test(c)))].slice(0, 200);
    if (codes.length === 0) errors.push({ field: 'place', message: 'Those small areas are not known here: type the place’s name' });
    else {
      f.smallAreaCodes = codes;
      const first = await areaNeed(db, codes[0]!);
      placeLabel = codes.length === 1 ? (first?.label ?? codes[0]!) : `${codes.length} small areas${first ? ` in ${first.localAuthority.name}` : ''}`;
    }
  } else if (query.place) {
    const found = await findPlace(db, query.place, { limit: 20 });
    const exact = (name: string) => name.toLowerCase() === query.place!.toLowerCase();
    switch (found.kind) {
      case 'invalid': errors.push({ field: 'place', message: found.message }); break;
      case 'postcode': case 'area': f.smallAreaCodes = [found.area.code]; placeLabel = found.area.label; break;
      case 'local-authority': f.laCodes = [found.localAuthority.code]; placeLabel = found.localAuthority.name; break;
      case 'postcode-elsewhere':
        if (found.localAuthority) { f.laCodes = [found.localAuthority.code]; placeLabel = found.localAuthority.name; } else errors.push({ field: 'place', message: found.summary });
        break;
      case 'sector': case 'outward':
        if (found.areas.length) { f.smallAreaCodes = found.areas.map((a) => a.code); placeLabel = `${found.sector} (${found.areas.length} small areas)`; } else errors.push({ field: 'place', message: found.summary });
        break;
      case 'postcode-unknown':
        if (found.sector) { f.smallAreaCodes = found.sector.areas.map((a) => a.code); placeLabel = `${found.sector.sector}, the sector of ${found.postcode}`; } else errors.push({ field: 'place', message: found.summary });
        break;
      case 'names': {
        const las = found.localAuthorities.filter((l) => exact(l.name));
        const wards = found.wards.filter((w) => exact(w.name) && w.areas.length);
        if (las.length === 1 && wards.length === 0) { f.laCodes = [las[0]!.code]; placeLabel = las[0]!.name; break; }
        if (wards.length === 1 && las.length === 0) {
          const w = wards[0]!;
          f.smallAreaCodes = w.areas.map((a) => a.code);
          placeLabel = `${w.name} ward${w.localAuthority ? `, ${w.localAuthority.name}` : ''}`;
          break;
        }
        for (const l of found.localAuthorities) placeChoices.push({ text: l.name, key: 'la', value: l.code });
        for (const w of found.wards) if (w.areas.length) placeChoices.push({ text: `${w.name} ward${w.localAuthority ? `, ${w.localAuthority.name}` : ''}`, key: 'area', value: w.areas.map((a) => a.code).join(',') });
        for (const a of found.areas) placeChoices.push({ text: a.label, key: 'area', value: a.code });
        if (placeChoices.length === 1) {
          const only = placeChoices.pop()!;
          if (only.key === 'la') f.laCodes = [only.value]; else f.smallAreaCodes = only.value.split(',');
          placeLabel = only.text;
        } else if (placeChoices.length === 0) errors.push({ field: 'place', message: `No place here is called “${query.place}”: try a postcode, a ward or a local authority’s name` });
        break;
      }
      default: errors.push({ field: 'place', message: `No place here is called “${query.place}”: try a postcode, a ward or a local authority’s name` });
    }
  }
  return { filters: f, errors, placeLabel, placeChoices: placeChoices.slice(0, 30), query };
}

/** The same as readFilters, for the API: a query it cannot read is a 400 naming each field. */
export async function requireFilters(db: Db, raw: Record<string, unknown>): Promise<ReadFilters> {
  const r = await readFilters(db, raw);
  if (r.errors.length) throw AppError.validation(r.errors);
  if (r.placeChoices.length) throw AppError.validation([{ field: 'place', message: `“${r.query.place}” could mean several places: give la or area, or one of: ${r.placeChoices.slice(0, 10).map((c) => c.text).join('; ')}` }]);
  return r;
}

// ---- presenting ----

export interface Totals {
  grants: number;
  gbpPence: number;
  /** Other currencies, each in its own minor units: never added to pounds. */
  otherCurrencies: Record<string, { grants: number; total: number }>;
  firstAwardDate: string | null;
  lastAwardDate: string | null;
}

function totalsOf(rows: { currency: string; grants: number; total: string | number; first: string | null; last: string | null }[]): Totals {
  const t: Totals = { grants: 0, gbpPence: 0, otherCurrencies: {}, firstAwardDate: null, lastAwardDate: null };
  for (const r of rows) {
    t.grants += r.grants;
    if (r.currency === 'GBP') t.gbpPence += Number(r.total);
    else t.otherCurrencies[r.currency] = { grants: r.grants, total: Number(r.total) };
    if (r.first && (!t.firstAwardDate || r.first < t.firstAwardDate)) t.firstAwardDate = r.first;
    if (r.last && (!t.lastAwardDate || r.last > t.lastAwardDate)) t.lastAwardDate = r.last;
  }
  return t;
}

/** A grant as the explorer shows it. An individual is "An individual", placed to a local authority at most. */
export interface ExploreGrant {
  id: string;
  publisherId: string;
  title: string;
  description: string | null;
  amountMinor: number;
  currency: string;
  awardDate: string;
  funder: { id: string | null; name: string | null };
  recipient: { id: string | null; name: string; kind: RecipientKind };
  programme: string | null;
  regrantType: string | null;
  relatedActivity: string[];
  location: { localAuthority: string | null; smallArea: string | null; precision: string | null; source: string | null };
}

export function presentGrant(r: SearchRow): ExploreGrant {
  const individual = r.recipient_type === 'individual';
  return {
    id: r.grant_id, publisherId: r.organisation_id, title: r.title, description: r.description, amountMinor: Number(r.amount_minor), currency: r.currency, awardDate: r.award_date,
    funder: { id: r.funder_org_id, name: r.funder_name },
    recipient: { id: individual ? null : r.recipient_org_id, name: individual ? 'An individual' : (r.recipient_name ?? 'Not given'), kind: r.recipient_kind },
    programme: r.programme, regrantType: r.regrant_type, relatedActivity: r.related_activity ?? [],
    location: {
      localAuthority: r.la_code, smallArea: individual ? null : r.small_area_code,
      precision: individual && r.location_precision && ['small-area', 'postcode', 'ward'].includes(r.location_precision) ? (r.la_code ? 'local-authority' : null) : r.location_precision,
      source: r.location_source,
    },
  };
}

export const SEARCH_PAGE_SIZE = 20;

/** One page of a search and the totals of everything it matches. */
export async function searchGrants(db: Db, filters: GrantFilters, page = 1, pageSize = SEARCH_PAGE_SIZE) {
  const p = Math.min(10_000, Math.max(1, Math.floor(page) || 1));
  const [rows, totals] = await Promise.all([repo.searchGrants(db, filters, { limit: pageSize, offset: (p - 1) * pageSize }), repo.searchTotals(db, filters)]);
  const t = totalsOf(totals);
  return { page: p, pageSize, pages: Math.max(1, Math.ceil(t.grants / pageSize)), totals: t, grants: rows.map(presentGrant) };
}

export interface YearRow {
  /** The April it starts in. */
  year: number;
  label: string;
  grants: number;
  gbpPence: number;
  otherCurrencies: Record<string, { grants: number; total: number }>;
}

/** Totals by UK financial year, every year from the first to the last (years with none shown as none). */
export async function totalsByYear(db: Db, filters: GrantFilters): Promise<YearRow[]> {
  const rows = await repo.totalsByFinancialYear(db, filters);
  if (rows.length === 0) return [];
  const first = rows[0]!.year;
  const last = rows[rows.length - 1]!.year;
  const out: YearRow[] = [];
  for (let y = first; y <= last && out.length < 200; y++) out.push({ year: y, label: financialYearLabel(y), grants: 0, gbpPence: 0, otherCurrencies: {} });
  for (const r of rows) {
    const row = out[r.year - first];
    if (!row) continue;
    row.grants += r.grants;
    if (r.currency === 'GBP') row.gbpPence += Number(r.total);
    else row.otherCurrencies[r.currency] = { grants: r.grants, total: Number(r.total) };
  }
  return out;
}

/** A funder, recipient or programme: its name, totals, totals by year, programmes, and the newest grants. */
export async function entityOf(db: Db, kind: 'funder' | 'recipient' | 'programme', given: GrantFilters, page = 1) {
  const filters = kind === 'recipient' && given.recipientId && !given.recipientIds ? { ...given, ...(await sameGroup(db, given.recipientId)) } : given;
  const column = kind === 'funder' ? 'funder_name' : kind === 'recipient' ? 'recipient_name' : 'programme';
  const [names, years, search, programmes] = await Promise.all([
    repo.namesOf(db, filters, column), totalsByYear(db, filters), searchGrants(db, filters, page),
    kind === 'programme' ? Promise.resolve([]) : repo.programmesOf(db, filters),
  ]);
  if (search.totals.grants === 0) throw new AppError('not_found', `No published grants ${kind === 'funder' ? 'from this funder' : kind === 'recipient' ? 'to this recipient' : 'in this programme'}`);
  const byProgramme = new Map<string, { programme: string; grants: number; gbpPence: number; other: Record<string, number> }>();
  for (const p of programmes) {
    const e = byProgramme.get(p.programme) ?? { programme: p.programme, grants: 0, gbpPence: 0, other: {} };
    e.grants += p.grants;
    if (p.currency === 'GBP') e.gbpPence += Number(p.total); else e.other[p.currency] = Number(p.total);
    byProgramme.set(p.programme, e);
  }
  return { name: names[0]?.name ?? null, otherNames: names.slice(1).map((n) => n.name), sameGroupIds: filters.recipientIds ?? [], years, programmes: [...byProgramme.values()], ...search };
}

/** The regrant types in the published grants (for the filter's choices). */
export async function regrantTypes(db: Db): Promise<string[]> {
  return repo.regrantTypesInUse(db);
}

/** The name a funder, recipient or programme goes by most often in the grants the filters match. */
export async function nameOf(db: Db, kind: 'funder' | 'recipient' | 'programme', filters: GrantFilters): Promise<string | null> {
  return (await repo.namesOf(db, filters, kind === 'funder' ? 'funder_name' : kind === 'recipient' ? 'recipient_name' : 'programme'))[0]?.name ?? null;
}
