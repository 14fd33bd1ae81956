// What voice needs from the places module, through its public service functions only: the list of local
// authorities (for choices and validation, cached briefly because it is computed over every small area) and
// the name of a small area.
import type { Db } from '../platform/db.ts';
import { areaNeed, listLocalAuthorities } from '../places/places.service.ts';

export interface PlaceRef { code: string; kind: 'local-authority' | 'small-area'; name: string; laCode: string }

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
    return a ? { code: a.code, kind: 'small-area', name: a.name, laCode: a.localAuthority.code } : null;
  }
  const la = (await localAuthorityChoices(db)).find((l) => l.code === c);
  return la ? { code: la.code, kind: 'local-authority', name: la.name, laCode: la.code } : null;
}
