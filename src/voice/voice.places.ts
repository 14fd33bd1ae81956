// What voice needs from the places module, through its public service functions only: the list of local
// authorities (for choices and validation, cached briefly because it is computed over every small area) and
// the name of a small area.
import type { Db } from '../platform/db.ts';
import { areaNeed, listLocalAuthorities } from '../places/places.service.ts';
import { findPlace, type AreaNeedView } from '../places/places.finder.ts';

export interface PlaceRef {
  code: string; kind: 'local-authority' | 'small-area'; name: string; laCode: string;
  /** What a person reads: for a small area its ward then its name ("Byker (Newcastle upon Tyne 026C)"). */
  label?: string;
}

const cache = new WeakMap<object, { at: number; list: { code: string; name: string }[] }>();
const cacheMs = 10 * 60 * 1000;

/** Every local authority (code and name, by name). Cached for ten minutes per database. */
export async function localAuthorityChoices(db: Db): Promise<{ code: string; name: string }[]> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < cacheMs) return hit.list;
  const list = (await listLocalAuthorities(db)).map((l) => ({ code: l.code, name: l.name }));
  if (list.length) cache.set(db, { at: Date.now(), list });
  return list;
}

/** Forgets the cached list (after places data is loaded, and in tests). */
export function forgetLocalAuthorities(db: Db): void {
  cache.delete(db);
}

/** A local authority or small area by its GSS code, or null if places does not know it. */
export async function resolvePlace(db: Db, code: string): Promise<PlaceRef | null> {
  const c = code.trim().toUpperCase();
  if (/^[ES]01[0-9]{6}$/.test(c)) {
    const a = await areaNeed(db, c);
    return a ? { code: a.code, kind: 'small-area', name: a.name, label: a.label, laCode: a.localAuthority.code } : null;
  }
  const la = (await localAuthorityChoices(db)).find((l) => l.code === c);
  return la ? { code: la.code, kind: 'local-authority', name: la.name, laCode: la.code } : null;
}

/**
 * The places a person may mean by what they typed ("NE6 1AA", "Byker", "Gateshead", a code), through the
 * place finder: a postcode → its small area; a local authority or small area → itself; a ward → its local
 * authority and its small areas; other names → the local authorities and small areas that match. `summary` is
 * the finder's sentence, for when nothing matches.
 */
export async function placeChoices(db: Db, text: string): Promise<{ choices: PlaceRef[]; summary: string; invalid?: string }> {
  const found = await findPlace(db, text, { limit: 10 });
  const small = (a: AreaNeedView): PlaceRef => ({ code: a.code, kind: 'small-area', name: a.name, label: a.label, laCode: a.localAuthority.code });
  const la = (l: { code: string; name: string }): PlaceRef => ({ code: l.code, kind: 'local-authority', name: l.name, laCode: l.code });
  const choices: PlaceRef[] = [];
  switch (found.kind) {
    case 'invalid': return { choices, summary: found.summary, invalid: found.message };
    case 'postcode': choices.push(small(found.area)); break;
    case 'postcode-elsewhere': if (found.localAuthority) { const r = await resolvePlace(db, found.localAuthority.code); if (r) choices.push(r); } break;
    case 'postcode-unknown': if (found.sector) choices.push(...found.sector.areas.map(small)); break;
    case 'sector': case 'outward': choices.push(...found.areas.map(small)); break;
    case 'area': choices.push(small(found.area)); break;
    case 'local-authority': choices.push(la(found.localAuthority)); break;
    case 'names':
      choices.push(...found.localAuthorities.map(la));
      for (const w of found.wards) {
        if (w.localAuthority) choices.push(la(w.localAuthority));
        choices.push(...w.areas.map(small));
      }
      choices.push(...found.areas.map(small));
      break;
    default: break;
  }
  const seen = new Set<string>();
  return { choices: choices.filter((c) => !seen.has(c.code) && seen.add(c.code)).slice(0, 30), summary: found.summary };
}

/**
 * One line of "areas it covers" as a person writes it — a local authority's name ("Gateshead"), a ward's name
 * ("Byker": its small areas), a small area's name, a postcode or sector, or a code — to the places it means, or
 * a sentence naming the line when it means nothing or several things.
 */
export async function placesNamed(db: Db, text: string): Promise<{ places: PlaceRef[] } | { problem: string }> {
  const typed = text.trim().slice(0, 100);
  if (/^[A-Z][0-9]{8}$/i.test(typed)) {
    const place = await resolvePlace(db, typed);
    return place ? { places: [place] } : { problem: `${typed.toUpperCase()} is not a local authority or small area code we know` };
  }
  const found = await findPlace(db, typed, { limit: 10 });
  const small = (a: AreaNeedView): PlaceRef => ({ code: a.code, kind: 'small-area', name: a.name, label: a.label, laCode: a.localAuthority.code });
  const la = (l: { code: string; name: string }): PlaceRef => ({ code: l.code, kind: 'local-authority', name: l.name, laCode: l.code });
  const lower = typed.toLowerCase();
  switch (found.kind) {
    case 'postcode': case 'area': return { places: [small(found.area)] };
    case 'local-authority': return { places: [la(found.localAuthority)] };
    case 'sector': case 'outward': return { places: found.areas.map(small) };
    case 'invalid': return { problem: `“${typed}”: ${found.message}` };
    case 'nothing': return { problem: `“${typed}” is not a local authority, ward or postcode we know` };
    case 'names': {
      const sameLa = found.localAuthorities.filter((l) => l.name.toLowerCase() === lower);
      if (sameLa.length === 1) return { places: [la(sameLa[0]!)] };
      const sameWard = found.wards.filter((w) => w.name.toLowerCase() === lower);
      if (sameWard.length === 1) return { places: sameWard[0]!.areas.map(small) };
      const sameArea = found.areas.filter((a) => a.name.toLowerCase() === lower || a.label.toLowerCase() === lower);
      if (sameArea.length === 1) return { places: [small(sameArea[0]!)] };
      const candidates = [
        ...found.localAuthorities.map((l) => l.name),
        ...found.wards.map((w) => `${w.name} ward${w.localAuthority ? ` (${w.localAuthority.name})` : ''}`),
      ];
      if (candidates.length === 1 && found.localAuthorities.length === 1) return { places: [la(found.localAuthorities[0]!)] };
      if (candidates.length === 1 && found.wards.length === 1) return { places: found.wards[0]!.areas.map(small) };
      if (candidates.length === 0) return { problem: `“${typed}” is not a local authority, ward or postcode we know` };
      return { problem: `“${typed}” could be ${candidates.length === 2 ? 'either' : `any of ${candidates.length}`}: ${candidates.slice(0, 6).join('; ')}${candidates.length > 6 ? '; …' : ''}. Write the one you mean in full` };
    }
    default: return { problem: `${found.summary.replace(/ Check the postcode, or choose your local authority\.$/, '')} Write the local authority or ward instead` };
  }
}
