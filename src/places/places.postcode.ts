// What a person types into "postcode or place", read as the Royal Mail's postcode shapes: a full postcode (any
// spacing or case), a sector ("NE6 1": the outward code and the inward code's digit), an outward code alone
// ("NE6"), or something postcode-like that cannot be one. Pure functions: no database.

const OUTWARD = '[A-Z]{1,2}[0-9][A-Z0-9]?';
const FULL = new RegExp(`^(${OUTWARD})([0-9][A-Z]{2})$`);
const SECTOR = new RegExp(`^(${OUTWARD}) ([0-9])$`);
const OUTWARD_ONLY = new RegExp(`^${OUTWARD}$`);
/** A GSS code: a letter and eight digits (E01008304, S12000036, E05011439). */
const GSS = /^[A-Z][0-9]{8}$/;

export type PostcodeShape =
  | { shape: 'postcode'; postcode: string; compact: string; outward: string; sector: string }
  | { shape: 'sector'; sector: string; outward: string }
  | { shape: 'outward'; outward: string }
  | { shape: 'code'; code: string }
  | { shape: 'not-a-postcode'; text: string }
  | { shape: 'words'; text: string }
  | { shape: 'empty' };

/** The standard written form of a full postcode: "ne61aa" → "NE6 1AA"; null when it cannot be one. */
export function formatPostcode(text: string): string | null {
  const m = FULL.exec(text.toUpperCase().replace(/\s+/g, ''));
  return m ? `${m[1]} ${m[2]}` : null;
}

/** "NE6 1AA" → { outward: "NE6", sector: "NE6 1" }. */
export function postcodeParts(postcode: string): { compact: string; outward: string; sector: string } {
  const [outward = '', inward = ''] = postcode.split(' ');
  return { compact: outward + inward, outward, sector: `${outward} ${inward.charAt(0)}` };
}

/**
 * Reads a person's text. Spacing and case never matter for a full postcode ("ne61aa", " NE6  1AA "); a sector
 * needs its space ("NE6 1", since "NE61" is itself an outward code). Text with digits that is short and fits no
 * shape ("NE6 1A", "12345") is `not-a-postcode`, so the person can be told how to write one; longer text, or
 * text without digits, is `words` (a place name).
 */
export function readPlaceText(raw: string): PostcodeShape {
  const text = raw.normalize('NFKC').trim().replace(/\s+/g, ' ').slice(0, 100);
  if (text === '') return { shape: 'empty' };
  const upper = text.toUpperCase();
  const compact = upper.replace(/ /g, '');
  const full = FULL.exec(compact);
  if (full) {
    const postcode = `${full[1]} ${full[2]}`;
    return { shape: 'postcode', postcode, ...postcodeParts(postcode) };
  }
  const sector = SECTOR.exec(upper);
  if (sector) return { shape: 'sector', sector: `${sector[1]} ${sector[2]}`, outward: sector[1]! };
  if (OUTWARD_ONLY.test(upper)) return { shape: 'outward', outward: upper };
  if (GSS.test(compact)) return { shape: 'code', code: compact };
  if (/[0-9]/.test(text) && compact.length <= 9 && /^[A-Z0-9]+$/.test(compact)) return { shape: 'not-a-postcode', text };
  return { shape: 'words', text };
}
