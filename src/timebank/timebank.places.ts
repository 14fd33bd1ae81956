// A member's neighbourhood, found from what they type (a postcode, or the name of their ward or
// neighbourhood) with the place finder, instead of asking for an LSOA or data-zone code. The time bank keeps
// only the small area, to count hours by how deprived areas are.
import type { Db } from '../platform/db.ts';
import { findPlace, type AreaNeedView } from '../places/places.finder.ts';

export type Neighbourhood =
  | { kind: 'none' }
  | { kind: 'area'; code: string }
  /** Several small areas fit: the person chooses (labels are names, never codes alone). */
  | { kind: 'choose'; choices: { value: string; text: string }[]; message: string }
  | { kind: 'unknown'; message: string };

const MAX_CHOICES = 30;

/** Reads "NE6 1AA", "Byker" or "SR1 1" into one small area, a choice of several, or a plain sentence why not. */
export async function findNeighbourhood(db: Db, text: string): Promise<Neighbourhood> {
  const typed = text.trim();
  if (typed === '') return { kind: 'none' };
  // A small-area code, for those who know it, is kept as it is (as before the finder).
  if (/^[ES]0[0-9]{7}$/i.test(typed)) return { kind: 'area', code: typed.toUpperCase() };
  const found = await findPlace(db, typed, { limit: MAX_CHOICES });
  const leaveEmpty = 'Enter your full postcode, or leave this empty.';
  let areas: AreaNeedView[] = [];
  switch (found.kind) {
    case 'postcode': return { kind: 'area', code: found.area.code };
    case 'area': return { kind: 'area', code: found.area.code };
    case 'invalid': return { kind: 'unknown', message: found.message };
    case 'sector': case 'outward': areas = found.areas; break;
    case 'postcode-unknown': areas = found.sector?.areas ?? []; break;
    case 'names': areas = [...found.wards.flatMap((w) => w.areas), ...found.areas]; break;
    default: break;
  }
  const seen = new Set<string>();
  const unique = areas.filter((a) => !seen.has(a.code) && seen.add(a.code));
  if (unique.length === 1) return { kind: 'area', code: unique[0]!.code };
  if (unique.length === 0) {
    if (found.kind === 'postcode-unknown' || found.kind === 'postcode-elsewhere') {
      return { kind: 'unknown', message: `We don’t have the small areas of ${found.postcode}, so we cannot tell its neighbourhood. Enter the name of your ward or neighbourhood instead, or leave this empty.` };
    }
    return { kind: 'unknown', message: `${found.summary} ${leaveEmpty}` };
  }
  const shown = unique.slice(0, MAX_CHOICES);
  return {
    kind: 'choose',
    choices: shown.map((a) => ({ value: a.code, text: `${a.label}, ${a.localAuthority.name}` })),
    message: `${found.summary} Choose your neighbourhood${unique.length > shown.length ? ` (the first ${shown.length} are shown: enter your full postcode to narrow it)` : ''}, or enter your full postcode.`,
  };
}
