// Where a petition signer lives, worked out from what they give: a UK postcode (placed by the places module's
// finder where postcodes are loaded, accepted by its shape where they are not), an optional local authority, or
// "I live outside the UK" with a country. And the network a signature came from, cut short so no address is kept.
import { isIP } from 'node:net';
import type { Db } from '../platform/db.ts';
import { findPlace } from '../places/places.finder.ts';

const names = new Intl.DisplayNames(['en-GB'], { type: 'region', fallback: 'none' });
// Codes Intl names that are not countries a person lives in.
const notCountries = new Set(['GB', 'UK', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ', 'AA', 'XK']);

/** Countries and territories outside the UK (ISO 3166 alpha-2 code and English name), by name. */
export const countries: readonly { code: string; name: string }[] = (() => {
  const out: { code: string; name: string }[] = [];
  const A = 'A'.charCodeAt(0);
  for (let i = 0; i < 26; i++) for (let j = 0; j < 26; j++) {
    const code = String.fromCharCode(A + i, A + j);
    if (notCountries.has(code) || code.startsWith('Q') || code.startsWith('X')) continue;
    let name: string | undefined;
    try { name = names.of(code); } catch { name = undefined; }
    if (name && name !== code) out.push({ code, name });
  }
  // Kosovo uses XK by convention.
  out.push({ code: 'XK', name: 'Kosovo' });
  return out.sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
})();
const countryNames = new Map(countries.map((c) => [c.code, c.name]));

/** The English name of a country code, or the code itself. */
export const countryName = (code: string): string => countryNames.get(code) ?? code;

/** A country the person chose or typed: its code, or null. Accepts a code ("FR") or an English name ("France"). */
export function readCountry(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const t = input.trim();
  if (!t) return null;
  const up = t.toUpperCase();
  if (countryNames.has(up)) return up;
  const byName = countries.find((c) => c.name.toLowerCase() === t.toLowerCase());
  return byName?.code ?? null;
}

export const nationNames: Record<string, string> = { E: 'England', W: 'Wales', S: 'Scotland', N: 'Northern Ireland' };

/** The nation of a GSS local-authority code (E, W, S or N), or null. */
export function nationOfCode(code: string | null): string | null {
  return code && /^[EWSN][0-9]{8}$/.test(code) ? code[0]! : null;
}

export interface SignerPlace {
  laCode: string | null; nation: string | null; postcodeFound: boolean;
  /** One sentence to show the signer when their postcode was not placed; null when it was. */
  note: string | null;
}

/**
 * Places a UK postcode (already well formed). Found in the loaded directory → its local authority (and nation);
 * not loaded → accepted by its shape, its nation from its area letters where they say (BT is Northern Ireland),
 * and the local authority the signer chose, if any.
 */
export async function placePostcode(db: Db, postcode: string, chosenLa: string | null): Promise<SignerPlace> {
  const found = await findPlace(db, postcode, { limit: 1 });
  if (found.kind === 'postcode') return { laCode: found.localAuthority.code, nation: nationOfCode(found.localAuthority.code), postcodeFound: true, note: null };
  if (found.kind === 'postcode-elsewhere') {
    const la = found.localAuthority?.code ?? chosenLa;
    return { laCode: la, nation: nationOfCode(la) ?? (postcode.startsWith('BT') ? 'N' : null), postcodeFound: true, note: null };
  }
  return {
    laCode: chosenLa, nation: nationOfCode(chosenLa) ?? (postcode.startsWith('BT') ? 'N' : null), postcodeFound: false,
    note: `We do not have ${postcode} in the postcodes loaded here, so we took it as you typed it${chosenLa ? ' and counted you in the local authority you chose' : ''}.`,
  };
}

/** The network of an address: IPv4 cut to /24, IPv6 to /48. Never the address itself; null if there is none. */
export function ipPrefix(ip: string | undefined | null): string | null {
  if (!ip) return null;
  const a = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  if (isIP(a) === 4) return `${a.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIP(a) === 6) {
    // Expand "::" so the first three groups are the real ones.
    const [head = '', tail = ''] = a.split('::');
    const h = head ? head.split(':') : [];
    const t = a.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return `${groups.slice(0, 3).map((g) => (g || '0').toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/48`;
  }
  return null;
}
