// Fixtures the grants tests share: the shipped 360Giving files, a package of grants, and one small grant.
import { readFileSync } from 'node:fs';

/** A file from `datasets/grants/` (real publishers' 360Giving files, as published). */
export const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/grants/${name}`, import.meta.url));

/** A 360Giving JSON package of `grants`. */
export const pkg = (grants: unknown[]) => Buffer.from(JSON.stringify({ grants }));

/** A valid grant of £1,000 to a registered charity in one Newcastle small area; `extra` overrides fields. */
export const grant = (id: string, extra: Record<string, unknown> = {}) => ({
  id, title: `Grant ${id}`, description: 'For a project', currency: 'GBP', amountAwarded: 1000, awardDate: '2024-04-01',
  fundingOrganization: [{ id: 'GB-CHC-1', name: 'A Trust' }], recipientOrganization: [{ id: `GB-CHC-${id.length}`, name: 'A Group' }],
  beneficiaryLocation: [{ name: 'Newcastle 001A', geoCode: 'E01008300', geoCodeType: 'LSOA' }], ...extra,
});
