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
