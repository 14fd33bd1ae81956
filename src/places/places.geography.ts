// Names and codes the published files leave out, and plain-words labels for the domains.
import type { ImdDomain, SimdDomain } from './places.types.ts';

/**
 * GSS codes (S12) of Scotland's 32 council areas, by the name the SIMD 2020v2 file uses. Codes as current
 * since 2019 (Fife, Perth and Kinross, Glasgow City and North Lanarkshire were recoded in 2018–19). Checked
 * code by code against two independent published lists of the 32 council-area codes (all agree; one calls
 * Na h-Eileanan an Iar "Eilean Siar"), and the recoded four plus Clackmannanshire, Dumfries and Galloway, Dundee
 * City and East Dunbartonshire against an extract of ONS's LAD (December 2020) names and codes.
 */
export const SCOTTISH_COUNCIL_AREAS: Readonly<Record<string, string>> = {
  'Aberdeen City': 'S12000033',
  Aberdeenshire: 'S12000034',
  Angus: 'S12000041',
  'Argyll and Bute': 'S12000035',
  'City of Edinburgh': 'S12000036',
  Clackmannanshire: 'S12000005',
  'Dumfries and Galloway': 'S12000006',
  'Dundee City': 'S12000042',
  'East Ayrshire': 'S12000008',
  'East Dunbartonshire': 'S12000045',
  'East Lothian': 'S12000010',
  'East Renfrewshire': 'S12000011',
  Falkirk: 'S12000014',
  Fife: 'S12000047',
  'Glasgow City': 'S12000049',
  Highland: 'S12000017',
  Inverclyde: 'S12000018',
  Midlothian: 'S12000019',
  Moray: 'S12000020',
  'Na h-Eileanan an Iar': 'S12000013',
  'North Ayrshire': 'S12000021',
  'North Lanarkshire': 'S12000050',
  'Orkney Islands': 'S12000023',
  'Perth and Kinross': 'S12000048',
  Renfrewshire: 'S12000038',
  'Scottish Borders': 'S12000026',
  'Shetland Islands': 'S12000027',
  'South Ayrshire': 'S12000028',
  'South Lanarkshire': 'S12000029',
  Stirling: 'S12000030',
  'West Dunbartonshire': 'S12000039',
  'West Lothian': 'S12000040',
};

export const IMD_DOMAIN_LABELS: Readonly<Record<ImdDomain, string>> = {
  income: 'Income',
  employment: 'Employment',
  education: 'Education, skills and training',
  health: 'Health deprivation and disability',
  crime: 'Crime',
  barriers: 'Barriers to housing and services',
  livingEnvironment: 'Living environment',
};

export const SIMD_DOMAIN_LABELS: Readonly<Record<SimdDomain, string>> = {
  income: 'Income',
  employment: 'Employment',
  health: 'Health',
  education: 'Education, skills and training',
  access: 'Geographic access to services',
  crime: 'Crime',
  housing: 'Housing',
};

/** Ordinal words for a decile, for plain-English sentences. */
export function decileWords(decile: number): string {
  if (decile === 1) return 'the most deprived 10%';
  if (decile === 10) return 'the least deprived 10%';
  return `decile ${decile} (between the most deprived ${(decile - 1) * 10}% and ${decile * 10}%)`;
}
