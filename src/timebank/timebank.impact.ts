// Impact for commissioners, computed from the ledger each time it is asked for (nothing stored that could
// drift): hours by category and by month, people taking part, first-time and returning participants,
// retention, and hours by the deprivation decile of the member's area (through the places module).
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { decileOf } from '../places/places.service.ts';
import * as repo from './timebank.repository.ts';
import { categoryLabel } from './timebank.exchanges.ts';
import { isCoordinator, requireBank } from './timebank.service.ts';
import { csvTable } from '../platform/csv.ts';

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

// Statistical disclosure control. The impact page is public, and in a small bank a count of one or two people
// in a month or a deprivation decile can point to someone. As UK official statistics do, the public release
// shows a count of people from 1 to 4 as "fewer than 5" (primary suppression), hides the other figures of a
// cell whose people are hidden (its minutes and exchanges), and hides one more figure wherever a hidden one
// could otherwise be worked out from a published total (secondary suppression): the months' minutes add up
// to the total, each person is first-time in exactly one month, and first-time plus returning is a month's
// people. Zero is never hidden (it identifies nobody). The bank's coordinators see the exact figures, marked
// with what the public release hides: those are not for publication.

/** Counts of people from 1 to this minus 1 are not published. */
export const disclosureThreshold = 5;

/** Why a figure is hidden: `fewer-than-5` (a count of 1–4 people) or `secondary` (it would reveal one that is). */
export type HiddenBecause = 'fewer-than-5' | 'secondary';
/** Field name → why it is hidden from the public; a field not named is published. */
export type Suppressed = Record<string, HiddenBecause>;

type Figure = number | null;

export interface ImpactRelease {
  bank: { id: string; name: string };
  /** `public`: hidden figures are null; `exact`: every figure, not for publication (`suppressed` says what the public release hides). */
  disclosure: 'public' | 'exact';
  threshold: number;
  totals: { minutes: Figure; transfers: Figure; people: Figure; suppressed: Suppressed };
  byCategory: { category: string | null; label: string; minutes: Figure; transfers: Figure; suppressed: Suppressed }[];
  byMonth: {
    month: string; minutes: Figure; transfers: Figure; people: Figure; firstTime: Figure; returning: Figure;
    /** null in the first month, or when hidden (then `suppressed` names it). */
    retainedFromPrevious: Figure; previous: Figure; suppressed: Suppressed;
  }[];
  returningPeople: Figure;
  /** Hidden top-level figures (`returningPeople`). */
  suppressed: Suppressed;
  byDecile: { decile: number | null; label: string; minutes: Figure; members: Figure; suppressed: Suppressed }[];
}

const small = (n: number | null) => n !== null && n > 0 && n < disclosureThreshold;

/** Marks `field` of each row hidden, keeping the strongest reason (a count of 1–4 stays `fewer-than-5`). */
function hide(marks: Suppressed, field: string, because: HiddenBecause) {
  if (marks[field] !== 'fewer-than-5') marks[field] = because;
}

/**
 * Where cells add up to a published total and exactly one of them is hidden, hides the smallest other
 * non-zero cell too (with `also`), so the hidden one cannot be worked out by subtraction. Returns false when
 * there is no other cell to hide: the caller then hides the total.
 */
function protectSum<T>(cells: { value: number; marks: Suppressed; row: T }[], field: string, also: string[] = []): boolean {
  const hidden = cells.filter((c) => c.marks[field]);
  if (hidden.length !== 1) return true;
  const other = cells.filter((c) => !c.marks[field] && c.value > 0).sort((x, y) => x.value - y.value)[0];
  if (!other) return hidden[0]!.value === 0;
  for (const f of [field, ...also]) hide(other.marks, f, 'secondary');
  return true;
}

/** The impact as it may be released: `public` with small counts hidden, or `exact` for the bank's coordinators. */
export function releaseImpact(i: ImpactView, disclosure: 'public' | 'exact'): ImpactRelease {
  const totals: Suppressed = {};
  const top: Suppressed = {};
  const months = i.byMonth.map((m) => ({ m, marks: {} as Suppressed }));
  const deciles = i.byDecile.map((d) => ({ d, marks: {} as Suppressed }));
  const categories = i.byCategory.map((c) => ({ c, marks: {} as Suppressed }));

  if (small(i.totals.people)) for (const [f, why] of [['people', 'fewer-than-5'], ['minutes', 'secondary'], ['transfers', 'secondary']] as const) hide(totals, f, why);
  if (small(i.returningPeople)) hide(top, 'returningPeople', 'fewer-than-5');
  months.forEach(({ m, marks }, k) => {
    if (small(m.people)) {
      hide(marks, 'people', 'fewer-than-5');
      for (const f of ['firstTime', 'returning'] as const) if (m[f] > 0) hide(marks, f, small(m[f]) ? 'fewer-than-5' : 'secondary');
      hide(marks, 'minutes', 'secondary');
      hide(marks, 'transfers', 'secondary');
    } else if (small(m.firstTime) || small(m.returning)) {
      // first-time + returning = people, which is published: hide both.
      for (const f of ['firstTime', 'returning'] as const) hide(marks, f, small(m[f]) ? 'fewer-than-5' : 'secondary');
    }
    if (small(m.retainedFromPrevious)) hide(marks, 'retainedFromPrevious', 'fewer-than-5');
    // `previous` is the month before's people: hidden there, hidden here.
    const before = k > 0 && i.byMonth[k - 1]!.month === previousMonth(m.month) ? months[k - 1]!.marks.people : undefined;
    if (m.previous !== null && (small(m.previous) || before)) hide(marks, 'previous', small(m.previous) ? 'fewer-than-5' : before!);
  });
  deciles.forEach(({ d, marks }) => {
    if (small(d.members)) {
      hide(marks, 'members', 'fewer-than-5');
      hide(marks, 'minutes', 'secondary');
    }
  });

  // Secondary suppression against the totals that are published.
  const hideTotals = () => {
    hide(totals, 'minutes', 'secondary');
    hide(totals, 'transfers', 'secondary');
  };
  if (!totals.minutes && !protectSum(months.map((x) => ({ value: x.m.minutes, marks: x.marks, row: x })), 'minutes', ['transfers'])) hideTotals();
  if (!totals.people && !protectSum(months.map((x) => ({ value: x.m.firstTime, marks: x.marks, row: x })), 'firstTime', ['returning'])) hide(totals, 'people', 'secondary');
  if (!totals.minutes && !protectSum(deciles.map((x) => ({ value: x.d.minutes, marks: x.marks, row: x })), 'minutes')) {
    // Everyone who gave time is in one decile, and fewer than 5 of them: all the time given is theirs, so no
    // total of it is published (the total, the months and the categories all add up to it).
    hideTotals();
    for (const { marks } of months) for (const f of ['minutes', 'transfers']) hide(marks, f, 'secondary');
  }
  // The categories add up to the total: if it is hidden, so are they.
  if (totals.minutes) for (const c of categories) for (const f of ['minutes', 'transfers']) hide(c.marks, f, 'secondary');
  // Hiding the total can leave a lone hidden month or decile beside published ones; that is safe (the total is
  // unknown), so nothing more is hidden.

  const out = (value: number | null, marks: Suppressed, field: string): Figure => (disclosure === 'public' && marks[field] ? null : value);
  return {
    bank: i.bank, disclosure, threshold: disclosureThreshold,
    totals: { minutes: out(i.totals.minutes, totals, 'minutes'), transfers: out(i.totals.transfers, totals, 'transfers'), people: out(i.totals.people, totals, 'people'), suppressed: totals },
    byCategory: categories.map(({ c, marks }) => ({ category: c.category, label: c.label, minutes: out(c.minutes, marks, 'minutes'), transfers: out(c.transfers, marks, 'transfers'), suppressed: marks })),
    byMonth: months.map(({ m, marks }) => ({
      month: m.month, minutes: out(m.minutes, marks, 'minutes'), transfers: out(m.transfers, marks, 'transfers'), people: out(m.people, marks, 'people'),
      firstTime: out(m.firstTime, marks, 'firstTime'), returning: out(m.returning, marks, 'returning'),
      retainedFromPrevious: out(m.retainedFromPrevious, marks, 'retainedFromPrevious'), previous: out(m.previous, marks, 'previous'), suppressed: marks,
    })),
    returningPeople: out(i.returningPeople, top, 'returningPeople'), suppressed: top,
    byDecile: deciles.map(({ d, marks }) => ({ decile: d.decile, label: d.label, minutes: out(d.minutes, marks, 'minutes'), members: out(d.members, marks, 'members'), suppressed: marks })),
  };
}

/** The impact someone may see: the public release, or the exact figures, which only the bank's coordinators may have. */
export async function impactFor(db: Db, actor: Actor, bankId: string, view: 'public' | 'exact'): Promise<ImpactRelease> {
  const bank = await requireBank(db, bankId);
  if (view === 'exact' && !(await isCoordinator(db, actor, bank.organisation_id))) {
    throw new AppError('forbidden', 'Only the bank’s coordinators can see the exact impact figures; everyone can see the published ones');
  }
  return releaseImpact(await bankImpact(db, bank.id), view);
}

/** Whether the person may see the exact figures (the bank's coordinators). */
export async function seesExactImpact(db: Db, actor: Actor, bankId: string): Promise<boolean> {
  const bank = await requireBank(db, bankId);
  return isCoordinator(db, actor, bank.organisation_id);
}

const csvNote: Record<HiddenBecause, string> = { 'fewer-than-5': 'do not publish: fewer than 5 people', secondary: 'do not publish: would reveal a figure of fewer than 5 people' };

/**
 * The release as one CSV in long form (measure, key, value). In the public release a hidden count of 1–4
 * people is "<5" and any other hidden figure is "[c]" (confidential, as in GSS guidance). The exact release
 * adds a column, `publication`, saying which figures must not be published.
 */
export function impactReleaseCsv(r: ImpactRelease): string {
  const exact = r.disclosure === 'exact';
  const rows: (string | number | null)[][] = [];
  const add = (measure: string, key: string, value: Figure, marks: Suppressed, field: string) => {
    const why = marks[field];
    const shown = why && !exact ? (why === 'fewer-than-5' ? '<5' : '[c]') : value;
    rows.push(exact ? [measure, key, shown, why ? csvNote[why] : 'publish'] : [measure, key, shown]);
  };
  for (const c of r.byCategory) add('minutes_by_category', c.label, c.minutes, c.suppressed, 'minutes');
  for (const m of r.byMonth) {
    add('minutes_by_month', m.month, m.minutes, m.suppressed, 'minutes');
    add('people_by_month', m.month, m.people, m.suppressed, 'people');
    add('first_time_by_month', m.month, m.firstTime, m.suppressed, 'firstTime');
    add('returning_by_month', m.month, m.returning, m.suppressed, 'returning');
    if (m.previous !== null || m.suppressed.previous) {
      add('retained_from_previous_month', m.month, m.retainedFromPrevious, m.suppressed, 'retainedFromPrevious');
      add('previous_month_people', m.month, m.previous, m.suppressed, 'previous');
    }
  }
  for (const d of r.byDecile) {
    add('minutes_by_deprivation_decile', d.label, d.minutes, d.suppressed, 'minutes');
    add('members_by_deprivation_decile', d.label, d.members, d.suppressed, 'members');
  }
  add('total_minutes', '', r.totals.minutes, r.totals.suppressed, 'minutes');
  add('total_people', '', r.totals.people, r.totals.suppressed, 'people');
  add('people_in_more_than_one_month', '', r.returningPeople, r.suppressed, 'returningPeople');
  const header = exact ? ['measure', 'key', 'value', 'publication'] : ['measure', 'key', 'value'];
  return csvTable(header, rows);
}
