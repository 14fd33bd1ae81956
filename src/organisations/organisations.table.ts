import type { Generated } from 'kysely';

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  legal_form: string;
  distributes_profit: boolean;
  sector: string;
  website: string | null;
  description: string | null;
  address_locality: string | null;
  verified: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OrganisationIdentifiersTable {
  organisation_id: string;
  scheme: string;
  identifier: string;
}

export interface OrganisationsTables {
  organisations: OrganisationsTable;
  organisation_identifiers: OrganisationIdentifiersTable;
}
