// The shapes the places module reads and computes. Plain data: no database, no I/O.

/** The seven IoD2019 domains, in the order the IMD weights are listed. */
export const IMD_DOMAINS = [
  'income',
  'employment',
  'education',
  'health',
  'crime',
  'barriers',
  'livingEnvironment',
] as const;
export type ImdDomain = (typeof IMD_DOMAINS)[number];
/** Domain ranks for one LSOA: 1 = most deprived nationally. */
export type ImdDomainRanks = Readonly<Record<ImdDomain, number>>;

/** One row of IoD2019 File 2 (all ranks and deciles: 1 = most deprived). */
export interface Iod2019DomainRow {
  readonly lsoaCode: string;
  readonly lsoaName: string;
  readonly ladCode: string;
  readonly ladName: string;
  /** The IMD rank as published, kept to check our own computation against. */
  readonly publishedImdRank: number;
  readonly publishedImdDecile: number;
  readonly ranks: ImdDomainRanks;
}

/** One row of IoD2019 File 6: the population denominator used for area summaries (mid-2015, excluding prisoners). */
export interface Iod2019PopulationRow {
  readonly lsoaCode: string;
  readonly ladCode: string;
  readonly population: number;
}

/** The seven SIMD 2020 domains, in the order the SIMD weights are listed. */
export const SIMD_DOMAINS = ['income', 'employment', 'health', 'education', 'access', 'crime', 'housing'] as const;
export type SimdDomain = (typeof SIMD_DOMAINS)[number];
/** Domain ranks for one data zone: 1 = most deprived; tied ranks are averaged, so halves occur. */
export type SimdDomainRanks = Readonly<Record<SimdDomain, number>>;

/** One row of the SIMD 2020v2 ranks file. */
export interface Simd2020Row {
  readonly dataZone: string;
  readonly intermediateZone: string;
  readonly councilArea: string;
  readonly population: number;
  readonly workingAgePopulation: number;
  /** The overall SIMD rank as published. */
  readonly publishedRank: number;
  readonly ranks: SimdDomainRanks;
}

/** A computed IMD result for one LSOA. */
export interface ImdRow {
  readonly lsoaCode: string;
  readonly ladCode: string;
  /** Weighted sum of exponentially transformed domain ranks: higher is more deprived (0 … 99.9 for the IMD). */
  readonly score: number;
  /** 1 = most deprived; every LSOA has a distinct rank. */
  readonly rank: number;
  /** 1 = most deprived 10% nationally. */
  readonly decile: number;
}

/** A computed SIMD result for one data zone. */
export interface SimdRow {
  readonly dataZone: string;
  readonly score: number;
  readonly rank: number;
  readonly decile: number;
}
