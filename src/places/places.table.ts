// The places module's tables as Kysely sees them (migration 0003-places).
import type { Generated } from 'kysely';

export interface PlacesLocalAuthoritiesTable {
  code: string;
  name: string;
  country: 'england' | 'scotland';
}

export interface PlacesSmallAreasTable {
  code: string;
  name: string;
  kind: 'lsoa2011' | 'datazone2011';
  la_code: string;
  population: number;
}

export interface PlacesIod2019RanksTable {
  lsoa_code: string;
  imd_rank: number;
  imd_decile: number;
  income: number;
  employment: number;
  education: number;
  health: number;
  crime: number;
  barriers: number;
  living_environment: number;
}

export interface PlacesSimd2020RanksTable {
  data_zone: string;
  intermediate_zone: string;
  working_age_population: number;
  simd_rank: number;
  income: number;
  employment: number;
  health: number;
  education: number;
  access: number;
  crime: number;
  housing: number;
}

export interface PlacesIndexResultsTable {
  area_code: string;
  index_name: 'imd2019' | 'simd2020';
  score: number;
  rank: number;
  decile: number;
}

export interface PlacesLaSummariesTable {
  la_code: string;
  measure: string;
  lsoas: number;
  population: number;
  avg_score: number | null;
  avg_rank: number;
  proportion: number;
  extent: number;
  local_concentration: number;
  rank_avg_score: number | null;
  rank_avg_rank: number;
  rank_proportion: number;
  rank_extent: number;
  rank_local_concentration: number;
}

export interface PlacesImportsTable {
  dataset: 'iod2019' | 'simd2020' | 'postcodes' | 'wards';
  sha256: string;
  areas: number;
  imported_at: Generated<Date>;
}

// Migration 0025-places-finder.
export interface PlacesPostcodesTable {
  compact: string;
  postcode: string;
  /** The outward code ("NE6") and the sector ("NE6 1"). */
  outward: string;
  sector: string;
  area_code: string | null;
  la_code: string | null;
  /** 'YYYYMM' when the postcode was terminated; null while live. */
  terminated: string | null;
}

export interface PlacesWardsTable {
  code: string;
  name: string;
  la_code: string;
}

export interface PlacesAreaWardsTable {
  area_code: string;
  ward_code: string;
}

export interface PlacesTables {
  places_postcodes: PlacesPostcodesTable;
  places_wards: PlacesWardsTable;
  places_area_wards: PlacesAreaWardsTable;
  places_local_authorities: PlacesLocalAuthoritiesTable;
  places_small_areas: PlacesSmallAreasTable;
  places_iod2019_ranks: PlacesIod2019RanksTable;
  places_simd2020_ranks: PlacesSimd2020RanksTable;
  places_index_results: PlacesIndexResultsTable;
  places_la_summaries: PlacesLaSummariesTable;
  places_imports: PlacesImportsTable;
}
