import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import type { LegalForm } from './organisations.forms.ts';
import * as service from './organisations.service.ts';

interface DemoOrganisation {
  name: string;
  legalForm: LegalForm;
  identifiers: string[];
  locality: string;
  website?: string;
  description?: string;
}

const supplierNote = 'Named as a supplier in Newcastle City Council’s published spending over £250, February 2017. Legal form inferred from its name; not yet checked against Companies House.';

/**
 * Real organisations of Tyneside. Councils carry their Local Authority England register codes; charities and
 * NHS trusts their register numbers. Suppliers named in Newcastle's own spending file are included by the
 * name the council published, without identifiers we could not confirm.
 */
export const demoOrganisations: DemoOrganisation[] = [
  { name: 'Newcastle City Council', legalForm: 'local-authority', identifiers: ['GB-LAE-NET'], locality: 'Newcastle upon Tyne', website: 'https://www.newcastle.gov.uk', description: 'The metropolitan borough council for Newcastle upon Tyne.' },
  { name: 'Gateshead Council', legalForm: 'local-authority', identifiers: ['GB-LAE-GAT'], locality: 'Gateshead', website: 'https://www.gateshead.gov.uk' },
  { name: 'North Tyneside Council', legalForm: 'local-authority', identifiers: ['GB-LAE-NTY'], locality: 'North Shields', website: 'https://my.northtyneside.gov.uk' },
  { name: 'South Tyneside Council', legalForm: 'local-authority', identifiers: ['GB-LAE-STY'], locality: 'South Shields', website: 'https://www.southtyneside.gov.uk' },
  { name: 'Sunderland City Council', legalForm: 'local-authority', identifiers: ['GB-LAE-SND'], locality: 'Sunderland', website: 'https://www.sunderland.gov.uk' },
  { name: 'Northumberland County Council', legalForm: 'local-authority', identifiers: ['GB-LAE-NBL'], locality: 'Morpeth', website: 'https://www.northumberland.gov.uk' },
  { name: 'Leeds City Council', legalForm: 'local-authority', identifiers: ['GB-LAE-LDS'], locality: 'Leeds', website: 'https://www.leeds.gov.uk' },
  { name: 'Calderdale Council', legalForm: 'local-authority', identifiers: ['GB-LAE-CLD'], locality: 'Halifax', website: 'https://www.calderdale.gov.uk' },
  { name: 'Darlington Borough Council', legalForm: 'local-authority', identifiers: ['GB-LAE-DAL'], locality: 'Darlington', website: 'https://www.darlington.gov.uk' },
  { name: 'Oxford City Council', legalForm: 'local-authority', identifiers: ['GB-LAE-OXO'], locality: 'Oxford', website: 'https://www.oxford.gov.uk' },
  { name: 'The Newcastle upon Tyne Hospitals NHS Foundation Trust', legalForm: 'nhs-body', identifiers: ['GB-NHS-RTD'], locality: 'Newcastle upon Tyne' },
  { name: 'Northumbria Healthcare NHS Foundation Trust', legalForm: 'nhs-body', identifiers: ['GB-NHS-RTF'], locality: 'North Shields', description: 'Paid by Newcastle City Council in February 2017 (as NORTHUMBRIA HEALTHCARE NHS TRUST).' },
  { name: 'Age UK', legalForm: 'charitable-company', identifiers: ['GB-CHC-1128267'], locality: 'London', website: 'https://www.ageuk.org.uk' },
  { name: 'Citizens Advice', legalForm: 'charitable-company', identifiers: ['GB-CHC-279057'], locality: 'London', website: 'https://www.citizensadvice.org.uk' },
  { name: 'Leonard Cheshire Foundation', legalForm: 'charitable-company', identifiers: ['GB-CHC-218186'], locality: 'London', description: `Disability charity. ${supplierNote.replace(' Legal form inferred from its name; not yet checked against Companies House.', '')}` },
  { name: 'University of Northumbria at Newcastle', legalForm: 'other-public-body', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote.replace(' Legal form inferred from its name; not yet checked against Companies House.', '') },
  { name: 'Disability North', legalForm: 'charitable-company', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'Newcastle Home Care Associates', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'Right at Home Tyneside', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'HF Trust Limited', legalForm: 'charitable-company', identifiers: [], locality: 'Bristol', description: supplierNote },
  { name: 'LS Care Ltd', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'Careline Lifestyles Ltd', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'J T Dove Ltd', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'Five Star Services Ltd', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
  { name: 'Denton Travel', legalForm: 'company-limited-by-shares', identifiers: [], locality: 'Newcastle upon Tyne', description: supplierNote },
];

/**
 * Loads the demo organisations; skips any already present (by identifier, else by name). Those with an
 * identifier are real bodies checked against their registers when this list was written, so the platform
 * itself registers them verified (audited as the system). An unverified organisation that claimed one of their
 * identifiers first (an impostor) does not stop that: the verified body is added and the claim refused.
 */
export async function seedOrganisations(ctx: AppContext): Promise<number> {
  let added = 0;
  for (const demo of demoOrganisations) {
    const existing = demo.identifiers[0]
      ? await service.findOrganisation(ctx.db, demo.identifiers[0])
      : (await service.searchOrganisations(ctx.db, { q: demo.name, pageSize: 5 })).items.find((o) => o.name === demo.name);
    if (existing && (existing.verified || !demo.identifiers.length)) continue;
    await service.createOrganisation(ctx.db, systemActor, { ...demo, verified: demo.identifiers.length > 0 }, { baseUrl: ctx.config.baseUrl });
    added++;
  }
  return added;
}
