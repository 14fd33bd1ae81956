// Small, pure rules of the voice module: how an email address is made canonical, what a UK postcode looks
// like, how words are counted and what a tag may be. Kept apart so they are tested on their own.

/** The canonical form of an email address as a person (one platform rule for signatures, "me too"): platform/email.ts. */
export { canonicalEmail } from '../platform/email.ts';

// The shape of a UK postcode (outward code, space, inward code), including BFPO-free special cases such as
// GIR 0AA. It checks form only: no postcode directory is shipped, so a well-formed postcode that does not
// exist is accepted.
const POSTCODE = /^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y]) ?[0-9][ABD-HJLNP-UW-Z]{2})$/;

/** A UK postcode in its usual written form ("NE1 4ST"), or null if it is not shaped like one. */
export function normalisePostcode(input: string): string | null {
  const compact = input.toUpperCase().replace(/\s+/g, '');
  if (!POSTCODE.test(compact)) return null;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/** Words as a reader counts them: runs of characters between white space. */
export function countWords(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/u).length;
}

/** A tag as stored: lower case letters, digits and hyphens, up to 40 characters; null if nothing is left. */
export function normaliseTag(input: string): string | null {
  const t = input.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return t === '' ? null : t;
}
