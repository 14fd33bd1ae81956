import { fileURLToPath } from 'node:url';
import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import { createOrganisation, findOrganisation } from '../organisations/organisations.service.ts';
import { importGrantsFile } from './grants.service.ts';

/**
 * Two real funders' files from datasets/grants/ (GrantNav's test data), each published by its funder,
 * registered here verified by the system as the organisations demo registers its bodies. The community
 * foundations' file holds 41 funders' grants, so it has no one publisher: tests use it, the demo does not.
 */
export const demoGrantFiles = [
  { file: 'wolfson-foundation.json', funder: { name: 'Wolfson Foundation', identifier: 'GB-CHC-1156077', legalForm: 'registered-charity' as const, locality: 'London' } },
  { file: 'lloyds-bank-foundation.json.gz', funder: { name: 'Lloyds Bank Foundation for England and Wales', identifier: 'GB-CHC-327114', legalForm: 'charitable-company' as const, locality: 'London' } },
];

/** Publishes the demo files; a file already published (same bytes) changes nothing. Returns how many were new. */
export async function seedGrants(ctx: AppContext): Promise<number> {
  let imported = 0;
  for (const demo of demoGrantFiles) {
    if (!(await findOrganisation(ctx.db, demo.funder.identifier))) {
      await createOrganisation(ctx.db, systemActor, { name: demo.funder.name, legalForm: demo.funder.legalForm, identifiers: [demo.funder.identifier], verified: true, locality: demo.funder.locality });
    }
    const path = fileURLToPath(new URL(`../../datasets/grants/${demo.file}`, import.meta.url));
    const result = await importGrantsFile(ctx, systemActor, { publisher: demo.funder.identifier, source: { path } });
    if (result.outcome !== 'unchanged') imported++;
  }
  return imported;
}
