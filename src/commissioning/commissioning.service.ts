// Commissioning's public service functions: what other modules (outcomes, scorecards) may call.
import type { Db } from '../platform/db.ts';

/** A contract as other modules see it: buyer, suppliers, value, dates and milestones. */
export interface ContractSummary {
  id: string;
  /** The contracting process's OCDS ocid; outcomes publishes its payments as implementation releases for it. */
  ocid: string;
  /** The buyer (the commissioning organisation). */
  organisationId: string;
  supplierOrganisationIds: string[];
  title: string;
  valuePence: number;
  startDate: string | null;
  endDate: string | null;
  href: string;
  milestones: { id: string; title: string; dueDate: string | null }[];
}

/** One contract's summary, or null when there is none with that id. */
export async function getContractSummary(_db: Db, _contractId: string): Promise<ContractSummary | null> {
  return null;
}

/** Contracts for a buyer and/or a supplier, newest first. */
export async function listContractSummaries(_db: Db, _filter: { organisationId?: string; supplierOrganisationId?: string }): Promise<ContractSummary[]> {
  return [];
}
