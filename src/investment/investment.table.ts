import type { Generated } from 'kysely';

/** An accredited Community Development Finance Institution: one per organisation (migration 0037). */
export interface InvestmentCdfisTable {
  organisation_id: string;
  accredited_from: string;
  accredited_to: string;
  /** The CITR funding the accreditation application said the CDFI would raise. */
  application_pence: number;
  /** The most its tax relief certificates may cover in all (125% of the application unless raised: CITM2070). */
  certificate_limit_pence: number;
  created_at: Generated<Date>;
}

export type CitrKind = 'loan' | 'shares' | 'securities';

export interface InvestmentCitrInvestmentsTable {
  organisation_id: string;
  id: Generated<string>;
  investor_organisation_id: string;
  kind: CitrKind;
  amount_pence: number;
  invested_on: string;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface InvestmentCitrCertificatesTable {
  organisation_id: string;
  investment_id: string;
  reference: string;
  issued_on: string;
  amount_pence: number;
  issued_by: string | null;
  created_at: Generated<Date>;
}

export interface InvestmentCitrRepaymentsTable {
  organisation_id: string;
  investment_id: string;
  id: Generated<string>;
  repaid_on: string;
  amount_pence: number;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface InvestmentDealsTable {
  /** The investor. */
  organisation_id: string;
  id: Generated<string>;
  investee_organisation_id: string;
  title: string;
  purpose: Generated<string>;
  grant_pence: Generated<number>;
  loan_pence: Generated<number>;
  equity_pence: Generated<number>;
  interest_basis_points: Generated<number>;
  term_months: number | null;
  holiday_months: Generated<number>;
  starts_on: string;
  /** The small area (LSOA or data zone) the investee serves, for the deprivation lens. */
  area_code: string | null;
  /** A qualifying enterprise for the CDFI's onward-investment test (CITM3020). */
  qualifying: Generated<boolean>;
  /** The loan plus its scheduled interest: the most repayments and write-offs together may reach. */
  owed_pence: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface InvestmentDealRepaymentsTable {
  organisation_id: string;
  deal_id: string;
  id: Generated<string>;
  paid_on: string;
  amount_pence: number;
  reference: Generated<string>;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface InvestmentDealWriteOffsTable {
  organisation_id: string;
  deal_id: string;
  id: Generated<string>;
  written_off_on: string;
  amount_pence: number;
  reason: string;
  recorded_by: string | null;
  created_at: Generated<Date>;
}

export interface InvestmentTables {
  investment_cdfis: InvestmentCdfisTable;
  investment_citr_investments: InvestmentCitrInvestmentsTable;
  investment_citr_certificates: InvestmentCitrCertificatesTable;
  investment_citr_repayments: InvestmentCitrRepaymentsTable;
  investment_deals: InvestmentDealsTable;
  investment_deal_repayments: InvestmentDealRepaymentsTable;
  investment_deal_write_offs: InvestmentDealWriteOffsTable;
}
