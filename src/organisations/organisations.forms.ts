/**
 * Legal forms, with the sector each belongs to and whether such a body can distribute profit to owners by
 * default (a person can say otherwise for their own organisation, e.g. a company limited by shares whose
 * articles lock its assets).
 */
export const legalForms = {
  'local-authority': { label: 'Local authority', sector: 'public', distributesProfit: false },
  'central-government': { label: 'Central government department or agency', sector: 'public', distributesProfit: false },
  'nhs-body': { label: 'NHS body', sector: 'public', distributesProfit: false },
  'other-public-body': { label: 'Other public body', sector: 'public', distributesProfit: false },
  'registered-charity': { label: 'Registered charity (trust or unincorporated)', sector: 'vcse', distributesProfit: false },
  'charitable-incorporated-organisation': { label: 'Charitable incorporated organisation (CIO or SCIO)', sector: 'vcse', distributesProfit: false },
  'charitable-company': { label: 'Charitable company limited by guarantee', sector: 'vcse', distributesProfit: false },
  'cic-guarantee': { label: 'Community interest company limited by guarantee', sector: 'vcse', distributesProfit: false },
  'cic-shares': { label: 'Community interest company limited by shares', sector: 'vcse', distributesProfit: true },
  'community-benefit-society': { label: 'Community benefit society', sector: 'vcse', distributesProfit: false },
  'co-operative-society': { label: 'Co-operative society', sector: 'vcse', distributesProfit: true },
  'company-limited-by-guarantee': { label: 'Company limited by guarantee (not charitable)', sector: 'vcse', distributesProfit: false },
  'community-group': { label: 'Community group or unincorporated association', sector: 'vcse', distributesProfit: false },
  'company-limited-by-shares': { label: 'Company limited by shares', sector: 'private', distributesProfit: true },
  'public-limited-company': { label: 'Public limited company', sector: 'private', distributesProfit: true },
  partnership: { label: 'Partnership or LLP', sector: 'private', distributesProfit: true },
  'sole-trader': { label: 'Sole trader', sector: 'private', distributesProfit: true },
} as const;

export type LegalForm = keyof typeof legalForms;
export const legalFormKeys = Object.keys(legalForms) as LegalForm[];

export const sectorLabels = {
  public: 'Public sector',
  vcse: 'Voluntary, community and social enterprise',
  private: 'Private sector',
} as const;
export type Sector = keyof typeof sectorLabels;

/**
 * Which organisations are public bodies: decided here and nowhere else. A public body is one whose legal form
 * is in the public sector (local authority, government department or agency, NHS body, other public body).
 * Only a *verified* public body may publish spending, salaries, contracts and OCDS or receive petitions
 * (organisations.service.ts, requireVerifiedPublicBody).
 */
export function isPublicBodyForm(legalForm: string): boolean {
  return (legalForms as Record<string, { sector: string }>)[legalForm]?.sector === 'public';
}
