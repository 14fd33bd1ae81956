// The place finder's name index: every ward, local authority and small area name held in memory, per database
// handle, so that "Byker", "North" or "St" are answered without scanning 40,000 names in SQL on every look-up
// (bench/places-finder.bench.ts). It is only a cache of what the tables hold: it is keyed by the places_imports
// rows (each import of IoD2019, SIMD2020 or wards rewrites its row in the import's transaction), which the finder
// reads on every look-up anyway, so an import made by any process is seen by every process on its next look-up.
import type { Db } from '../platform/db.ts';
import * as repo from './places.repository.ts';
import type { AreaRow } from './places.service.ts';

type IndexName = repo.IndexName;
type ImportRow = Awaited<ReturnType<typeof repo.listImports>>[number];

export interface IndexedWard {
  code: string;
  name: string;
  la_code: string;
  la_name: string | null;
  /** Lower-case name, for matching. */
  lower: string;
  /** Its small areas (best fit), in rank order. */
  areas: AreaRow[];
}

export interface IndexedLocalAuthority {
  code: string;
  name: string;
  country: string;
  lower: string;
}

export interface NameIndex {
  stamp: string;
  /** How many small areas each index ranks (what presentAreaRows needs). */
  counts: Record<IndexName, number>;
  /** Every small area in search order: index, then rank, then code. */
  areas: AreaRow[];
  /** Lower-case names of `areas`, joined by "\n", and where each one starts in it. */
  haystack: string;
  starts: Int32Array;
  /** `areas` positions sorted by code, for code prefixes. */
  byCode: Int32Array;
  wards: IndexedWard[];
  /**
   * Every word start of every ward name (the lower-case name from the start, and from after each space or
   * hyphen), sorted, each with its ward's position in `wards`: a prefix is a binary search away.
   */
  wordStarts: { key: string; ward: number }[];
  localAuthorities: IndexedLocalAuthority[];
}

/** The datasets whose import changes a name, a rank or a ward: a postcode import does not touch the index. */
const NAMED: readonly string[] = ['iod2019', 'simd2020', 'wards'];

/** The version of the names the tables hold, from the places_imports rows. */
export function stampOf(imports: readonly ImportRow[]): string {
  return imports.filter((i) => NAMED.includes(i.dataset))
    .map((i) => `${i.dataset}:${i.sha256}:${new Date(i.imported_at).getTime()}:${i.areas}`).join('|');
}

const cache = new WeakMap<object, { stamp: string; index: Promise<NameIndex> }>();

/**
 * The name index for `db` as of `imports` (the places_imports rows just read), built on first use and rebuilt
 * when an import has changed them. Concurrent callers share one build.
 */
export function nameIndex(db: Db, imports: readonly ImportRow[]): Promise<NameIndex> {
  const stamp = stampOf(imports);
  const held = cache.get(db);
  if (held && held.stamp === stamp) return held.index;
  const index = build(db, stamp, imports);
  cache.set(db, { stamp, index });
  // A failed build is not kept: the next look-up tries again.
  index.catch(() => { if (cache.get(db)?.index === index) cache.delete(db); });
  return index;
}

async function build(db: Db, stamp: string, imports: readonly ImportRow[]): Promise<NameIndex> {
  const areas = await repo.allSmallAreas(db);
  const { wards, las } = await repo.allWardsAndLocalAuthorities(db);
  const byWard = new Map<string, AreaRow[]>();
  for (const a of areas) {
    if (!a.ward_code) continue;
    const list = byWard.get(a.ward_code);
    if (list) list.push(a);
    else byWard.set(a.ward_code, [a]);
  }
  const starts = new Int32Array(areas.length);
  let at = 0;
  const names: string[] = [];
  areas.forEach((a, i) => {
    starts[i] = at;
    const lower = a.name.toLowerCase();
    names.push(lower);
    at += lower.length + 1;
  });
  const byCode = Int32Array.from(areas.keys()).sort((a, b) => (areas[a]!.code < areas[b]!.code ? -1 : areas[a]!.code > areas[b]!.code ? 1 : 0));
  const indexedWards = wards.map((w) => ({ ...w, lower: w.name.toLowerCase(), areas: byWard.get(w.code) ?? [] }));
  const wordStarts: { key: string; ward: number }[] = [];
  indexedWards.forEach((w, ward) => {
    for (let i = 0; i < w.lower.length; i++) {
      if (i === 0 || w.lower[i - 1] === ' ' || w.lower[i - 1] === '-') wordStarts.push({ key: w.lower.slice(i), ward });
    }
  });
  wordStarts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.ward - b.ward));
  const imported = new Map(imports.map((i) => [i.dataset, i.areas]));
  const ranked = (name: IndexName) => areas.filter((a) => a.index_name === name).length;
  return {
    stamp,
    counts: { imd2019: imported.get('iod2019') ?? ranked('imd2019'), simd2020: imported.get('simd2020') ?? ranked('simd2020') },
    areas,
    haystack: names.join('\n'),
    starts,
    byCode,
    wards: indexedWards,
    wordStarts,
    localAuthorities: las.map((l) => ({ code: l.code, name: l.name, country: l.country, lower: l.name.toLowerCase() })),
  };
}

/**
 * Wards whose name starts with `q`, or has a word starting with it after a space or hyphen ("walker" finds
 * Walker and Walkergate), an exact match first, then by name: at most `limit`.
 */
export function wardsNamed(index: NameIndex, q: string, limit: number): IndexedWard[] {
  const lq = q.toLowerCase();
  const { wordStarts } = index;
  const seen = new Set<number>();
  for (let i = lowerBound(wordStarts.length, (i) => wordStarts[i]!.key < lq); i < wordStarts.length && wordStarts[i]!.key.startsWith(lq); i++) {
    seen.add(wordStarts[i]!.ward);
  }
  // `wards` is in name order, so positions sorted are names sorted.
  const found = [...seen].sort((a, b) => a - b).map((i) => index.wards[i]!);
  const exact = found.filter((w) => w.lower === lq);
  return [...exact, ...found.filter((w) => w.lower !== lq)].slice(0, limit);
}

/** Local authorities whose name contains `q` or whose code starts with it, by name: at most 50. */
export function localAuthoritiesNamed(index: NameIndex, q: string): IndexedLocalAuthority[] {
  const lq = q.toLowerCase();
  const uq = q.toUpperCase();
  return index.localAuthorities.filter((l) => l.lower.includes(lq) || l.code.startsWith(uq)).slice(0, 50);
}

/** The first position in 0…n for which `before` is false (`before` true for a prefix of positions). */
function lowerBound(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Which area a haystack offset falls in (binary search over `starts`). */
function areaAt(starts: Int32Array, offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Small areas whose name contains `q` or whose code starts with it, in search order: one page (`limit` from
 * `offset`) and how many there are in all.
 */
export function smallAreasNamed(index: NameIndex, q: string, limit: number, offset: number): { areas: AreaRow[]; total: number } {
  const lq = q.toLowerCase().replace(/\n/g, ' ');
  const hits = new Set<number>();
  if (lq !== '') {
    const { haystack, starts } = index;
    let from = 0;
    for (;;) {
      const at = haystack.indexOf(lq, from);
      if (at < 0) break;
      const i = areaAt(starts, at);
      hits.add(i);
      // Go on from the next name: one hit per area is enough.
      from = i + 1 < starts.length ? starts[i + 1]! : haystack.length;
    }
    // A code prefix ("E0100830"), by binary search over the codes in order.
    const uq = q.toUpperCase();
    const { byCode, areas } = index;
    for (let j = lowerBound(byCode.length, (j) => areas[byCode[j]!]!.code < uq); j < byCode.length && areas[byCode[j]!]!.code.startsWith(uq); j++) {
      hits.add(byCode[j]!);
    }
  }
  const order = [...hits].sort((a, b) => a - b);
  return { areas: order.slice(offset, offset + limit).map((i) => index.areas[i]!), total: order.length };
}
