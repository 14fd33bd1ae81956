// Email addresses, in one place: how an address is spelled when it is stored (accounts, members, signatures,
// alerts go to the account's address) and how one person's mailbox is recognised when something is counted
// once per person (petition signatures, "me too").
import { domainToASCII } from 'node:url';

// A dot-atom local part (RFC 5322 atext, dots between): such a part means the same with or without quotes.
const DOT_ATOM = /^[a-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+)*$/iu;

/**
 * The one spelling of an address, so that every way of writing the same mailbox is stored and compared alike.
 * Unicode is normalised (NFC); the local part is lower-cased (as Commonweal always has) and loses quotes that
 * change nothing (`"sigtest"@…`, `"sig\test"@…` → `sigtest@…`); the domain loses its trailing dot(s)
 * (`example.org.` is the fully qualified `example.org`), is lower-cased, and an internationalised domain is
 * written in its ASCII (punycode) form with node:url's `domainToASCII` (UTS #46), so `bücher.example` and
 * `xn--bcher-kva.example` are one. Returns null when the input is not an address (no `@`, an empty part, a
 * domain that has no ASCII form).
 */
export function normaliseEmail(input: string): string | null {
  const value = input.trim().normalize('NFC');
  const at = value.lastIndexOf('@');
  if (at < 1 || at === value.length - 1) return null;
  let local = value.slice(0, at);
  const rawDomain = value.slice(at + 1).replace(/\.+$/, '');
  if (rawDomain === '' || rawDomain.startsWith('.')) return null;
  const domain = domainToASCII(rawDomain.toLowerCase());
  if (domain === '') return null;
  const quoted = /^"((?:[^"\\]|\\.)*)"$/su.exec(local);
  if (quoted) {
    const inner = quoted[1]!.replace(/\\(.)/gsu, '$1');
    // Quotes that change nothing go; a local part that needs them keeps them, escaped minimally.
    local = DOT_ATOM.test(inner) ? inner : `"${inner.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }
  if (local === '' || local === '""') return null;
  return `${local.toLowerCase()}@${domain}`;
}

/**
 * The canonical form of an address as a person: `normaliseEmail`, then the rules by which mail providers
 * deliver several spellings to one mailbox: a "+tag" suffix is dropped for every domain (Gmail, Outlook, iCloud,
 * Fastmail and most providers deliver name+anything to name); googlemail.com is gmail.com, and Gmail ignores
 * dots in the local part. Used where something counts once per person (signatures, "me too"); the address as
 * given is still where mail is sent. An input that is not an address is returned trimmed and lower-cased.
 */
export function canonicalEmail(input: string): string {
  const normal = normaliseEmail(input);
  if (normal === null) return input.trim().toLowerCase();
  const at = normal.lastIndexOf('@');
  let local = normal.slice(0, at);
  let domain = normal.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (!local.startsWith('"')) {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
    if (domain === 'gmail.com') local = local.replace(/\./g, '');
  }
  return `${local}@${domain}`;
}
