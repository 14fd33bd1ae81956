// Impact for commissioners, computed from the ledger each time it is asked for (nothing stored that could
// drift): hours by category and by month, people taking part, first-time and returning participants,
// retention, and hours by the deprivation decile of the member's area (through the places module).
import type { Db } from '../platform/db.ts';
import { decileOf } from '../places/places.service.ts';
import * as repo from './timebank.repository.ts';
import { categoryLabel } from './timebank.exchanges.ts';
import { requireBank } from './timebank.service.ts';

export interface ImpactView {
  bank: { id: string; name: string };
  totals: { minutes: number; transfers: number; people: number };
  byCategory: { category: string | null; label: string; minutes: number; transfers: number }[];
  byMonth: {
    month: string; minutes: number; transfers: number; people: number; firstTime: number; returning: number;
    /** Of the people who took part the month before, how many took part again this month (null in the first month). */
    retainedFromPrevious: number | null; previous: number | null;
  }[];
  /** Of everyone who took part, how many took part in more than one month. */
  returningPeople: number;
  byDecile: { decile: number | null; label: string; minutes: number; members: number }[];
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * The bank's impact. Hours are time given for help: exchanges between members, credits for volunteering and
 * plain transfers; credits spent at partner venues are not hours given, and a reversed transfer counts for
 * nothing. People are members who gave or received time. A decile is the national deprivation decile (1 =
 * most deprived 10%) of the area the member who gave the time gave when joining; members who gave none, or
 * whose area is not a loaded small area, are counted under "Area not known".
 */
export async function bankImpact(db: Db, bankId: string): Promise<ImpactView> {
  const bank = await requireBank(db, bankId);
  const [categories, months, participation, areas] = await Promise.all([
    repo.impactByCategory(db, bank), repo.impactByMonth(db, bank), repo.participantMonths(db, bank), repo.impactByArea(db, bank),
  ]);
  const monthsOf = new Map<string, Set<string>>();
  const peopleIn = new Map<string, Set<string>>();
  for (const p of participation) {
    (monthsOf.get(p.account_id) ?? monthsOf.set(p.account_id, new Set()).get(p.account_id)!).add(p.month);
    (peopleIn.get(p.month) ?? peopleIn.set(p.month, new Set()).get(p.month)!).add(p.account_id);
  }
  const firstMonth = new Map([...monthsOf].map(([id, set]) => [id, [...set].sort()[0]!]));
  const byMonth = months.map((m) => {
    const people = peopleIn.get(m.month) ?? new Set<string>();
    const firstTime = [...people].filter((id) => firstMonth.get(id) === m.month).length;
    const before = peopleIn.get(previousMonth(m.month));
    const first = m.month === months[0]!.month;
    return {
      month: m.month, minutes: m.minutes, transfers: m.transfers, people: people.size, firstTime, returning: people.size - firstTime,
      retainedFromPrevious: first ? null : [...(before ?? [])].filter((id) => people.has(id)).length,
      previous: first ? null : (before?.size ?? 0),
    };
  });
  const deciles = new Map<number | null, { minutes: number; members: number }>();
  const known = await Promise.all(areas.map(async (a) => (a.area_code ? await decileOf(db, a.area_code).catch(() => null) : null)));
  areas.forEach((a, i) => {
    const d = known[i] ?? null;
    const entry = deciles.get(d) ?? { minutes: 0, members: 0 };
    entry.minutes += a.minutes;
    entry.members += a.members;
    deciles.set(d, entry);
  });
  const byDecile = [...Array.from({ length: 10 }, (_, i) => i + 1), null].map((d) => ({
    decile: d, label: d === null ? 'Area not known' : d === 1 ? '1 (most deprived 10%)' : d === 10 ? '10 (least deprived 10%)' : String(d),
    ...(deciles.get(d) ?? { minutes: 0, members: 0 }),
  }));
  return {
    bank: { id: bank.id, name: bank.name },
    totals: {
      minutes: categories.reduce((s, c) => s + c.minutes, 0), transfers: categories.reduce((s, c) => s + c.transfers, 0), people: monthsOf.size,
    },
    byCategory: categories.map((c) => ({ ...c, label: categoryLabel(c.category) })),
    byMonth,
    returningPeople: [...monthsOf.values()].filter((s) => s.size > 1).length,
    byDecile,
  };
}
