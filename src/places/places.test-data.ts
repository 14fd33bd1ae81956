// Loads the shipped deprivation files (datasets/deprivation/) for tests, once per test process.
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIod2019Domains, parseIod2019Population, parseSimd2020Ranks } from './places.parse.ts';
import type { Iod2019DomainRow, Iod2019PopulationRow, Simd2020Row } from './places.types.ts';

/** Absolute path of a file in datasets/deprivation/. */
export function datasetPath(name: string): string {
  return fileURLToPath(new URL(`../../datasets/deprivation/${name}`, import.meta.url));
}

export const IOD2019_FILE2 = 'iod2019-file2-domain-ranks.csv.gz';
export const IOD2019_FILE6 = 'iod2019-file6-population.csv.gz';
export const SIMD2020_RANKS = 'simd2020v2-ranks.csv';

let domains: Promise<Iod2019DomainRow[]> | undefined;
let population: Promise<Iod2019PopulationRow[]> | undefined;
let simd: Promise<Simd2020Row[]> | undefined;

export function loadIod2019Domains(): Promise<Iod2019DomainRow[]> {
  domains ??= parseIod2019Domains(createReadStream(datasetPath(IOD2019_FILE2)));
  return domains;
}

export function loadIod2019Population(): Promise<Iod2019PopulationRow[]> {
  population ??= parseIod2019Population(createReadStream(datasetPath(IOD2019_FILE6)));
  return population;
}

export function loadSimd2020(): Promise<Simd2020Row[]> {
  simd ??= parseSimd2020Ranks(createReadStream(datasetPath(SIMD2020_RANKS)));
  return simd;
}

/** The published files' header lines, for tests that write small files of their own. */
export const FILE2_HEADER =
  'LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),' +
  'Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),' +
  'Income Rank (where 1 is most deprived),Employment Rank (where 1 is most deprived),' +
  '"Education, Skills and Training Rank (where 1 is most deprived)",Health Deprivation and Disability Rank (where 1 is most deprived),' +
  'Crime Rank (where 1 is most deprived),Barriers to Housing and Services Rank (where 1 is most deprived),Living Environment Rank (where 1 is most deprived)';
export const FILE6_HEADER = 'LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Total population: mid 2015 (excluding prisoners)';
export const SIMD_HEADER = 'Data_Zone,Intermediate_Zone,Council_area,Total_population,Working_age_population,SIMD2020v2_Rank,SIMD2020v2_Income_Domain_Rank,SIMD2020_Employment_Domain_Rank,SIMD2020_Health_Domain_Rank,SIMD2020_Education_Domain_Rank,SIMD2020_Access_Domain_Rank,SIMD2020_Crime_Domain_Rank,SIMD2020_Housing_Domain_Rank';
