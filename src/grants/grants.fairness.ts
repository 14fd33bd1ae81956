// Who the money reaches (issue 17): the places fairness lens over grants.
//
// Method (stated on the page too): only pounds are counted (a grant in another currency is listed apart, in its
// own minor units, never converted). A grant counts in the national deprivation decile of its one small area:
// an English LSOA 2011 against the Index of Multiple Deprivation 2019 and all of England's population, a
// Scottish data zone 2011 against the Scottish Index of Multiple Deprivation 2020 and all of Scotland's. The
// small area is the one the file gave (beneficiary or recipient location), or the one the place finder gives for
// the recipient's postcode. A grant located only to a ward, a local authority, a region or a country, or to
// nowhere, is never spread over small areas or guessed: it is reported in `unplaced`, by reason, with its count
// and pence. Shares are of the placed pounds of that nation. The sums are done by the database (one group per
// small area), the deciles, shares, concentration index and verdict by places' fairnessReport.
import type { Db } from '../platform/db.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { decilePopulationShares, fairnessReport, type FairnessView } from '../places/places.service.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { isOrgIdError, parseOrgId, formatOrgId } from '../organisations/organisations.identifiers.ts';
import * as repo from './grants.chains.repository.ts';

export type FairnessScope = repo.FairnessScope;

export interface DecileFairness {
  /** 1 = most deprived 10% of small areas in the nation. */
  decile: number;
  pence: number;
  /** Share of the nation's placed pounds, 0 … 1. */
  share: number;
  /** The decile's share of the nation's population, 0 … 1. */
  populationShare: number;
}

export interface NationFairness {
  /** Always ten, decile 1 first. */
  deciles: DecileFairness[];
  /** Null when no pound is placed in the nation. */
  concentrationIndex: number | null;
  verdict: string;
}

export const UNPLACED_REASONS = {
  'ward-only': 'Located only to a ward',
  'local-authority-only': 'Located only to a local authority (district)',
  'region-or-country-only': 'Located only to a region or a country',
  'postcode-not-found': 'Recipient’s postcode not known to the place finder',
  'small-area-not-found': 'Small-area code not in the loaded IMD 2019 or SIMD 2020',
  'outside-england-and-scotland': 'Small area in Wales or Northern Ireland (no national decile here)',
  'no-location': 'No location given',
} as const;
export type UnplacedReason = keyof typeof UNPLACED_REASONS;

export interface UnplacedFairness {
  /** GBP grants not placed in a small area of England or Scotland. */
  count: number;
  pence: number;
  /** Each reason with at least one grant, in the order of UNPLACED_REASONS. */
  reasons: { reason: UnplacedReason; count: number; pence: number }[];
  /** Grants in other currencies: counted apart, in their own minor units, never added to pounds. */
  otherCurrencies: Record<string, { count: number; minor: number }>;
}

/** Exactly what `commonweal grants fairness --json` prints. */
export interface GrantsFairness {
  england: NationFairness;
  scotland: NationFairness;
  unplaced: UnplacedFairness;
}

function safe(total: bigint, what: string): number {
  const n = Number(total);
  if (!Number.isSafeInteger(n)) throw new AppError('conflict', `The total of ${what} is too large to report exactly`);
  return n;
}

function reasonOf(precision: string | null): UnplacedReason {
  switch (precision) {
    case 'ward': return 'ward-only';
    case 'local-authority': return 'local-authority-only';
    case 'region': case 'country': return 'region-or-country-only';
    case 'postcode': return 'postcode-not-found';
    default: return 'no-location';
  }
}

async function nation(db: Db, index: 'imd2019' | 'simd2020', amounts: Map<string, bigint>, name: string): Promise<{ result: NationFairness; unmatched: Map<string, bigint> }> {
  const empty = async (): Promise<NationFairness> => {
    const people = await decilePopulationShares(db, index);
    return {
      deciles: Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, pence: 0, share: 0, populationShare: people?.[i]?.populationShare ?? 0 })),
      concentrationIndex: null, verdict: `No pound of these grants is placed in a small area of ${name}.`,
    };
  };
  if (amounts.size === 0) return { result: await empty(), unmatched: new Map() };
  let view: FairnessView;
  try {
    view = await fairnessReport(db, amounts);
  } catch (error) {
    // Not loaded, or no code matched a loaded small area: every amount is unmatched, none is guessed.
    if (isAppError(error) && (error.code === 'unavailable' || error.code === 'validation_failed')) return { result: await empty(), unmatched: amounts };
    throw error;
  }
  const unmatched = new Map(view.unmatched.map((u) => [u.areaCode, BigInt(u.amount)]));
  return {
    result: {
      deciles: view.deciles.map((d) => ({ decile: d.decile, pence: safe(BigInt(d.amount), 'a decile'), share: d.share, populationShare: d.populationShare })),
      concentrationIndex: view.concentrationIndex, verdict: view.verdict,
    },
    unmatched,
  };
}

/** The fairness of the current grants in a scope (a publisher, one of its programmes, a pot's onward grants, a funder across publishers). */
export async function grantsFairness(db: Db, scope: FairnessScope): Promise<GrantsFairness> {
  const groups = await repo.fairnessGroups(db, scope);
  const england = new Map<string, bigint>();
  const scotland = new Map<string, bigint>();
  const counts = new Map<string, number>();
  const reasons = new Map<UnplacedReason, { count: number; pence: bigint }>();
  const other: Record<string, { count: number; minor: bigint }> = {};
  const addReason = (reason: UnplacedReason, count: number, pence: bigint) => {
    const r = reasons.get(reason) ?? { count: 0, pence: 0n };
    reasons.set(reason, { count: r.count + count, pence: r.pence + pence });
  };
  for (const g of groups) {
    const total = BigInt(g.total);
    if (g.currency !== 'GBP') {
      const o = other[g.currency] ?? { count: 0, minor: 0n };
      other[g.currency] = { count: o.count + g.grants, minor: o.minor + total };
      continue;
    }
    if (g.small_area_code === null) { addReason(reasonOf(g.location_precision), g.grants, total); continue; }
    const code = g.small_area_code.trim().toUpperCase();
    counts.set(code, (counts.get(code) ?? 0) + g.grants);
    const into = code.startsWith('E') ? england : code.startsWith('S') ? scotland : null;
    if (into) into.set(code, (into.get(code) ?? 0n) + total);
    else addReason('outside-england-and-scotland', g.grants, total);
  }
  const e = await nation(db, 'imd2019', england, 'England');
  const s = await nation(db, 'simd2020', scotland, 'Scotland');
  for (const [code, pence] of [...e.unmatched, ...s.unmatched]) addReason('small-area-not-found', counts.get(code) ?? 0, pence);
  const reasonList = (Object.keys(UNPLACED_REASONS) as UnplacedReason[]).filter((r) => reasons.has(r))
    .map((r) => ({ reason: r, count: reasons.get(r)!.count, pence: safe(reasons.get(r)!.pence, 'unplaced grants') }));
  return {
    england: e.result,
    scotland: s.result,
    unplaced: {
      count: reasonList.reduce((a, r) => a + r.count, 0), pence: reasonList.reduce((a, r) => a + r.pence, 0), reasons: reasonList,
      otherCurrencies: Object.fromEntries(Object.entries(other).sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, v]) => [c, { count: v.count, minor: safe(v.minor, c) }])),
    },
  };
}

/** A publisher (by id, org-id or slug) and, optionally, one of its programmes by name. */
export async function publisherFairness(db: Db, publisherRef: string, programme?: string | null) {
  const org = await getOrganisation(db, publisherRef);
  const p = programme?.trim() || null;
  const programmes = await repo.programmesOf(db, org.id);
  if (p && !programmes.includes(p)) throw new AppError('not_found', `${org.name} has published no grant in a programme called “${p}”`);
  return { publisher: { id: org.id, name: org.name, slug: org.slug }, programme: p, programmes, fairness: await grantsFairness(db, { kind: 'publisher', organisationId: org.id, programme: p }) };
}

/**
 * A funder across every publisher that gives it as the funding organisation (by its org-id, as the files do:
 * a funder need not be registered here). Its name is the one its grants give.
 */
export async function funderFairness(db: Db, funderRef: string) {
  const parsed = parseOrgId(funderRef);
  const id = isOrgIdError(parsed) ? funderRef.trim() : formatOrgId(parsed);
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{2,99}$/.test(id)) throw new AppError('not_found', `“${funderRef}” is not a funder’s org-id`);
  const name = await funderName(db, id);
  if (!name) throw new AppError('not_found', `No published grant gives ${id} as its funder`);
  return { funder: { orgId: id, name }, fairness: await grantsFairness(db, { kind: 'funder', funderOrgId: id }) };
}

const funderName = repo.funderName;
