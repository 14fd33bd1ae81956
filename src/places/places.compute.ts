// The pure computational core of the places module in one import: the indices, the district summaries, custom
// indices and the fairness lens. Nothing here touches a database or the network; the service layer loads
// rows, calls these, and stores or presents the results.
export { IMD_WEIGHTS, computeImd, explainImd, type ImdComponent, type ImdInput } from './places.imd.ts';
export { SIMD_WEIGHTS, computeSimd, simdScaledRank, type SimdInput } from './places.simd.ts';
export { rankAgreement, type RankAgreement, type RankPair } from './places.agreement.ts';
export { extentWeight, laDomainSummaries, laSummaries, type LaSummary } from './places.summaries.ts';
export {
  CustomIndexError,
  customIndex,
  type CustomIndexResult,
  type CustomIndexRow,
  type CustomIndexSpec,
  type CustomIndicator,
  type IndexTransform,
  type IndicatorDirection,
  type IndicatorTerm,
} from './places.custom-index.ts';
export {
  fairness,
  type Amount,
  type AreaNeed,
  type BandShare,
  type DecileShare,
  type FairnessReport,
} from './places.fairness.ts';
export {
  decileOf,
  exponentialTransform,
  inverseStandardNormal,
  iodScaledRank,
  midRanks,
  normalTransform,
} from './places.transform.ts';
export type { ImdRow, SimdRow } from './places.types.ts';
