// Supplier identity: one key per supplier name, so that "ACME Ltd", "Acme Limited" and "ACME LTD." are the
// same supplier whichever council paid it. Payees a council has redacted, or named as individuals, get no key:
// they are never grouped across publishers nor linked to an organisation.

const REDACTED = /\b(redact\w*|withheld|personal (data|information|details)|private individual|data protection|confidential|not disclosed|exempt)\b|^(an? )?individuals?\b|^\*+$|^x+$/i;

/** True when the published name is a redaction or a private person rather than a supplier's name. */
export function isRedactedSupplier(name: string): boolean {
  return REDACTED.test(name);
}

const SUFFIXES: [RegExp, string][] = [
  [/\bpublic limited company\b/g, 'plc'],
  [/\blimited\b/g, 'ltd'],
  [/\bcompany\b/g, 'co'],
  [/\bincorporated\b/g, 'inc'],
  [/\blimited liability partnership\b/g, 'llp'],
];

/** The key that groups a supplier's payments, or null for a redacted or individual payee. */
export function supplierKey(name: string | null): string | null {
  if (name === null) return null;
  if (isRedactedSupplier(name)) return null;
  let k = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  k = k.replace(/&/g, ' and ').replace(/[^a-z0-9]+/g, ' ').trim();
  for (const [pattern, short] of SUFFIXES) k = k.replace(pattern, short);
  k = k.replace(/^the /, '').replace(/\s+/g, ' ').trim();
  return k === '' ? null : k;
}

/** A URL-safe form of a key. */
export function supplierSlug(key: string): string {
  return key.replace(/ /g, '-');
}

export function keyFromSlug(slug: string): string {
  return slug.replace(/-/g, ' ');
}

/** Companies House numbers as the register writes them: eight characters, zero-padded. */
export function normaliseCompanyNumber(value: string | null): string | null {
  if (!value) return null;
  const v = value.trim().toUpperCase().replace(/\s+/g, '');
  if (/^\d{1,8}$/.test(v)) return v.padStart(8, '0');
  if (/^[A-Z]{2}\d{6}$/.test(v)) return v;
  return null;
}

export function normaliseCharityNumber(value: string | null): string | null {
  if (!value) return null;
  const v = value.trim().replace(/^0+/, '');
  return /^[1-9]\d{5,6}$/.test(v) ? v : null;
}

// Individuals paid by name: "Mr J Smith", "SMITH, J", "J. Smith", "Smith J". They get a key (so a publisher's
// own payments to them can be grouped) but are never suggested for, or confirmed as, a link to an organisation.
const INDIVIDUAL = [
  /^(mr|mrs|ms|miss|mx|dr|rev|revd|prof|sir|dame|lady|lord)\.?\s+\S/i,
  /^[a-z'’-]+\s*,\s*(mr|mrs|ms|miss|dr|[a-z]\.?)(\s+[a-z]\.?)*$/i,
  /^([a-z]\.?\s+){1,2}[a-z'’-]{2,}$/i,
  /^[a-z'’-]{2,}\s+[a-z]\.?$/i,
];

/** True when the payee's name reads as a private person's rather than an organisation's. */
export function isIndividualPayee(name: string): boolean {
  const n = name.trim();
  return INDIVIDUAL.some((re) => re.test(n));
}

const LEGAL_TAIL = /( (ltd|plc|llp|lp|co|inc|cic|cio|t a .*|trading as .*))+$/;

/**
 * The form of a name compared when matching a supplier to a registered organisation: the supplier key with its
 * legal form ("ltd", "plc", "cic" …) set aside. Null when too short to tell organisations apart.
 */
export function nameMatchKey(name: string): string | null {
  const key = supplierKey(name);
  if (!key) return null;
  const core = key.replace(LEGAL_TAIL, '').trim();
  return core.length >= 4 ? core : null;
}

export interface MatchCandidate {
  id: string;
  name: string;
  identifiers: string[];
}

/**
 * A careful name match: the one registered organisation whose name is the supplier's, legal form aside, and
 * whose registered numbers do not contradict the numbers the publisher gave. None for a redacted or individual
 * payee, and none when two organisations share the name.
 */
export function suggestMatch(
  supplier: { name: string; companyNumber: string | null; charityNumber: string | null },
  byName: Map<string, MatchCandidate[]>,
): { organisation: MatchCandidate; reason: string } | null {
  if (isRedactedSupplier(supplier.name) || isIndividualPayee(supplier.name)) return null;
  const key = nameMatchKey(supplier.name);
  if (!key) return null;
  const candidates = byName.get(key) ?? [];
  if (candidates.length !== 1) return null;
  const org = candidates[0]!;
  const company = normaliseCompanyNumber(supplier.companyNumber);
  const charity = normaliseCharityNumber(supplier.charityNumber);
  const orgCompany = org.identifiers.find((i) => i.startsWith('GB-COH-'))?.slice(7);
  const orgCharity = org.identifiers.find((i) => i.startsWith('GB-CHC-'))?.slice(7);
  if (company && orgCompany && company !== orgCompany) return null;
  if (charity && orgCharity && charity !== orgCharity) return null;
  const exact = supplierKey(supplier.name) === supplierKey(org.name);
  return { organisation: org, reason: exact ? `the same name as ${org.name}` : `the same name as ${org.name} once the legal form is set aside` };
}
