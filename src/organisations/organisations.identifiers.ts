/**
 * org-id identifiers (org-id.guide): a scheme prefix and the register's own identifier, e.g. GB-CHC-1234567.
 * We know the UK schemes the platform meets most; the pattern for each is what the register issues, so a typo
 * is caught at entry rather than breaking a join later.
 */
export interface SchemeInfo {
  scheme: string;
  name: string;
  pattern: RegExp;
  example: string;
  /** Turn what people type into the register's canonical form. */
  normalise(id: string): string;
}

const upper = (id: string) => id.trim().toUpperCase();
const digits = (id: string) => id.trim().replace(/^0+(?=\d)/, '');

export const schemes: SchemeInfo[] = [
  { scheme: 'GB-LAE', name: 'Local Authorities in England', pattern: /^[A-Z]{3}$/, example: 'GB-LAE-NET', normalise: upper },
  { scheme: 'GB-LAS', name: 'Local Authorities in Scotland', pattern: /^[A-Z]{3}$/, example: 'GB-LAS-EDH', normalise: upper },
  { scheme: 'GB-PLA', name: 'Principal Local Authorities in Wales', pattern: /^[A-Z]{3}$/, example: 'GB-PLA-CRF', normalise: upper },
  { scheme: 'GB-LANI', name: 'Local Authorities in Northern Ireland', pattern: /^[A-Z]{3}$/, example: 'GB-LANI-BFS', normalise: upper },
  { scheme: 'GB-CHC', name: 'Charity Commission for England and Wales', pattern: /^[1-9]\d{5,6}$/, example: 'GB-CHC-1128267', normalise: digits },
  { scheme: 'GB-SC', name: 'Scottish Charity Regulator', pattern: /^SC0\d{5}$/, example: 'GB-SC-SC012345', normalise: upper },
  { scheme: 'GB-NIC', name: 'Charity Commission for Northern Ireland', pattern: /^1\d{5}$/, example: 'GB-NIC-100001', normalise: digits },
  { scheme: 'GB-COH', name: 'Companies House', pattern: /^(\d{8}|[A-Z]{2}\d{6})$/, example: 'GB-COH-01234567', normalise: (id) => upper(id).padStart(8, '0') },
  { scheme: 'GB-GOR', name: 'UK Government Organisation Register', pattern: /^[A-Z]{1,2}\d{1,6}$/, example: 'GB-GOR-D1198', normalise: upper },
  { scheme: 'GB-MPR', name: 'Mutuals Public Register (FCA)', pattern: /^\d{1,6}R?$/, example: 'GB-MPR-30162R', normalise: upper },
  { scheme: 'GB-NHS', name: 'NHS Organisation Data Service', pattern: /^[A-Z0-9]{3,6}$/, example: 'GB-NHS-RTD', normalise: upper },
  { scheme: 'GB-EDU', name: 'Department for Education (GIAS URN)', pattern: /^\d{6}$/, example: 'GB-EDU-100000', normalise: digits },
];

const byScheme = new Map(schemes.map((s) => [s.scheme, s]));

export interface OrgId {
  scheme: string;
  identifier: string;
}

export function formatOrgId(id: OrgId): string {
  return `${id.scheme}-${id.identifier}`;
}

/**
 * Parses `GB-CHC-1128267` into its scheme and identifier, normalised. Returns an error message (naming what is
 * wrong) instead of throwing, so a form can show it beside the field.
 */
export function parseOrgId(text: string): OrgId | { error: string } {
  const value = text.trim().toUpperCase();
  const match = /^([A-Z]{2}-[A-Z]{2,5})-(.+)$/.exec(value);
  if (!match) return { error: `"${text.trim()}" is not an org-id identifier: expected a scheme and an identifier, like GB-CHC-1128267` };
  const info = byScheme.get(match[1]!);
  if (!info) return { error: `"${match[1]}" is not a scheme Commonweal knows: use one of ${schemes.map((s) => s.scheme).join(', ')}` };
  const identifier = info.normalise(match[2]!);
  if (!info.pattern.test(identifier)) return { error: `"${match[2]}" is not a valid ${info.name} identifier (for example ${info.example})` };
  return { scheme: info.scheme, identifier };
}

export function isOrgIdError(v: OrgId | { error: string }): v is { error: string } {
  return 'error' in v;
}
