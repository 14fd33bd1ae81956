// The arithmetic of social investment, in integer pence and whole days, with no database: a loan's repayment
// schedule, arrears, CITR relief by year and the onward-investment test. Pure functions, so the rules can be
// tested on their own and the CDFI's page can show the figures that test each one.

/** Days are ISO dates, YYYY-MM-DD. */
export type Day = string;

const msPerDay = 86_400_000;

// Day arithmetic is most of the work of the CDFI's page (relief by year and repayment caps for every
// investment: ~20 date steps each), and a ledger has few distinct days; so each step is remembered, in maps
// that are emptied when they grow large. Pure functions: a remembered answer is the answer.
const memoLimit = 50_000;
function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= memoLimit) map.clear();
  map.set(key, value);
  return value;
}
const dayNumbers = new Map<Day, number>();
const daysFrom = new Map<number, Day>();
const monthsAdded = new Map<string, Day>();

export function dayNumber(day: Day): number {
  return dayNumbers.get(day) ?? remember(dayNumbers, day, Math.round(Date.parse(`${day}T00:00:00Z`) / msPerDay));
}

export function dayFrom(n: number): Day {
  return daysFrom.get(n) ?? remember(daysFrom, n, new Date(n * msPerDay).toISOString().slice(0, 10));
}

/** The same day `months` months later; the 31st becomes the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(day: Day, months: number): Day {
  const key = `${day}+${months}`;
  const known = monthsAdded.get(key);
  if (known !== undefined) return known;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return remember(monthsAdded, key, `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`);
}

export function addYears(day: Day, years: number): Day {
  return addMonths(day, years * 12);
}

export function addDays(day: Day, days: number): Day {
  return dayFrom(dayNumber(day) + days);
}

export function todayDay(now: Date = new Date()): Day {
  return now.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------------------
// Loan schedule

export interface LoanTerms {
  principalPence: number;
  /** Annual interest in basis points (1% = 100). */
  interestBasisPoints: number;
  termMonths: number;
  /** Months at the start with interest only and no capital repaid. */
  holidayMonths: number;
  startsOn: Day;
}

export interface Instalment {
  number: number;
  dueOn: Day;
  paymentPence: number;
  interestPence: number;
  principalPence: number;
  /** Capital outstanding after this instalment. */
  balancePence: number;
}

/** One month's interest on a balance, rounded half up to the penny, in integers: balance × bp ÷ 120,000. */
export function monthlyInterest(balancePence: number, basisPoints: number): number {
  return Number((BigInt(balancePence) * BigInt(basisPoints) * 2n + 120_000n) / 240_000n);
}

/** Whether paying `payment` a month clears `principal` in `months` months at `bp` (the last payment may be less). */
function clears(principal: number, bp: number, months: number, payment: number): boolean {
  let balance = principal;
  for (let k = 0; k < months && balance > 0; k++) {
    const interest = monthlyInterest(balance, bp);
    if (payment <= interest && interest > 0) return false;
    balance = balance + interest - payment;
  }
  return balance <= 0;
}

/**
 * The monthly schedule: interest only during the repayment holiday, then level payments (an annuity) that clear
 * the loan by the end of the term; the last payment takes up the pennies of rounding. The level payment is the
 * smallest whole-penny amount that clears the loan, found by bisection on the integer schedule itself, so no
 * float ever touches money.
 */
export function repaymentSchedule(t: LoanTerms): Instalment[] {
  if (t.principalPence <= 0) return [];
  const out: Instalment[] = [];
  let balance = t.principalPence;
  let n = 0;
  for (; n < t.holidayMonths; n++) {
    const interest = monthlyInterest(balance, t.interestBasisPoints);
    out.push({ number: n + 1, dueOn: addMonths(t.startsOn, n + 1), paymentPence: interest, interestPence: interest, principalPence: 0, balancePence: balance });
  }
  const months = t.termMonths - t.holidayMonths;
  let lo = Math.ceil(balance / months);
  let hi = balance + monthlyInterest(balance, t.interestBasisPoints) * months + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (clears(balance, t.interestBasisPoints, months, mid)) hi = mid;
    else lo = mid + 1;
  }
  const level = lo;
  for (let k = 0; k < months && balance > 0; k++, n++) {
    const interest = monthlyInterest(balance, t.interestBasisPoints);
    const last = k === months - 1 || level >= balance + interest;
    const payment = last ? balance + interest : level;
    const principal = payment - interest;
    balance -= principal;
    out.push({ number: n + 1, dueOn: addMonths(t.startsOn, n + 1), paymentPence: payment, interestPence: interest, principalPence: principal, balancePence: balance });
  }
  return out;
}

export function totalOwed(schedule: readonly Instalment[]): number {
  return schedule.reduce((s, i) => s + i.paymentPence, 0);
}

export interface Position {
  /** Scheduled payments due on or before the day. */
  duePence: number;
  repaidPence: number;
  writtenOffPence: number;
  /** Due and neither paid nor written off. */
  arrearsPence: number;
  /** Everything still to pay under the schedule, less what is paid and written off. */
  outstandingPence: number;
  /** The earliest instalment not yet covered by payments and write-offs, if it is due. */
  oldestUnpaidDueOn: Day | null;
}

/**
 * Where a loan stands on `on`: payments are applied to instalments in order; write-offs settle what they cover.
 */
export function position(schedule: readonly Instalment[], repayments: readonly { paidOn: Day; amountPence: number }[], writeOffs: readonly { on: Day; amountPence: number }[], on: Day): Position {
  const duePence = schedule.filter((i) => i.dueOn <= on).reduce((s, i) => s + i.paymentPence, 0);
  const repaidPence = repayments.filter((r) => r.paidOn <= on).reduce((s, r) => s + r.amountPence, 0);
  const writtenOffPence = writeOffs.filter((w) => w.on <= on).reduce((s, w) => s + w.amountPence, 0);
  const covered = repaidPence + writtenOffPence;
  let running = 0;
  let oldest: Day | null = null;
  for (const i of schedule) {
    running += i.paymentPence;
    if (running > covered) { oldest = i.dueOn <= on ? i.dueOn : null; break; }
  }
  return {
    duePence, repaidPence, writtenOffPence,
    arrearsPence: Math.max(0, duePence - covered),
    outstandingPence: Math.max(0, totalOwed(schedule) - covered),
    oldestUnpaidDueOn: oldest,
  };
}

// ---------------------------------------------------------------------------------------------------------
// CITR relief

export type CitrKind = 'loan' | 'shares' | 'securities';

/** Capital outstanding on each day of [from, to), as the mean of daily balances, rounded down to the penny. */
export function averageCapitalBalance(amountPence: number, repayments: readonly { on: Day; amountPence: number }[], from: Day, to: Day): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (b <= a) return 0;
  let total = 0n;
  let balance = amountPence;
  let cursor = a;
  const sorted = [...repayments].sort((x, y) => (x.on < y.on ? -1 : x.on > y.on ? 1 : 0));
  for (const r of sorted) {
    const d = dayNumber(r.on);
    if (d >= b) break;
    if (d > cursor) { total += BigInt(balance) * BigInt(d - cursor); cursor = d; }
    balance -= r.amountPence;
  }
  total += BigInt(Math.max(0, balance)) * BigInt(b - cursor);
  return Number(total / BigInt(b - a));
}

export interface ReliefYear {
  year: number;
  from: Day;
  /** The last day of the year. */
  to: Day;
  /** What relief is worked out on: the amount for shares, the average capital balance for a loan. */
  basePence: number;
  /** 5% of the base, rounded down to the penny. */
  reliefPence: number;
  /** Why there is no relief, when there is none. */
  stopped: string | null;
}

/**
 * Relief in each of the five years from the investment date (CITM6010, CITM6090): 5% of the invested amount,
 * which for a loan is the average capital balance of the year, never more than the amount itself; so never more
 * than 25% in all. No relief without a certificate. For a loan, no relief for a year (or any later year) if the
 * outstanding capital fell to zero before that year's qualifying date, the next anniversary after it (CITM6100).
 */
export function reliefByYear(inv: { kind: CitrKind; amountPence: number; investedOn: Day; certified: boolean }, repayments: readonly { on: Day; amountPence: number }[]): ReliefYear[] {
  const years: ReliefYear[] = [];
  let stoppedFrom: string | null = null;
  for (let y = 1; y <= 5; y++) {
    const from = addYears(inv.investedOn, y - 1);
    const end = addYears(inv.investedOn, y);
    const to = addDays(end, -1);
    const base = inv.kind === 'loan' ? Math.min(inv.amountPence, averageCapitalBalance(inv.amountPence, repayments, from, end)) : inv.amountPence;
    if (inv.kind === 'loan' && !stoppedFrom) {
      const repaidBy = repayments.filter((r) => r.on < end).reduce((s, r) => s + r.amountPence, 0);
      if (repaidBy >= inv.amountPence) stoppedFrom = `The loan was repaid in full before ${end}`;
    }
    const stopped = !inv.certified ? 'No tax relief certificate' : stoppedFrom;
    years.push({ year: y, from, to, basePence: base, reliefPence: stopped ? 0 : Number((BigInt(base) * 5n) / 100n), stopped });
  }
  return years;
}

/** The most of a loan that may have been repaid by a day of its five-year period (0, 0, 25%, 50%, 75%, then all). */
export function repaymentCap(amountPence: number, investedOn: Day, on: Day): { year: number; capPence: number } {
  let year = 1;
  while (year <= 5 && on >= addYears(investedOn, year)) year++;
  const capPence = year <= 2 ? 0 : year === 3 ? Math.floor(amountPence / 4) : year === 4 ? Math.floor(amountPence / 2) : year === 5 ? Math.floor((amountPence * 3) / 4) : amountPence;
  return { year, capPence };
}

// ---------------------------------------------------------------------------------------------------------
// Onward investment

export interface OnwardTest {
  year: number;
  /** The end of year `year` of accreditation. */
  on: Day;
  requiredShare: number;
  /** The investment fund on that day (CITM3010): qualifying investments held, less repaid and written off. */
  fundPence: number;
  /** Lent to and invested in qualifying enterprises by that day, less write-offs. */
  onwardPence: number;
  requiredPence: number;
  status: 'met' | 'breach' | 'on-track' | 'behind' | 'no-fund';
}

/**
 * The onward-investment test (CITM3005): at least 25%, 50% and 75% of the investment fund invested in qualifying
 * enterprises by the end of years 1, 2 and 3 of accreditation. The fund on a day counts certified investments
 * held then, less those made in the three months before it, less what was repaid, less write-offs (CITM3010).
 * A test day that has passed is met or a breach; one still to come is on track or behind at today's figures.
 */
export function onwardTests(input: {
  accreditedFrom: Day;
  today: Day;
  investments: readonly { investedOn: Day; amountPence: number; certified: boolean; repayments: readonly { on: Day; amountPence: number }[] }[];
  onward: readonly { on: Day; amountPence: number; qualifying: boolean }[];
  writeOffs: readonly { on: Day; amountPence: number }[];
}): OnwardTest[] {
  const held = (at: Day) => {
    const threeMonthsBefore = addMonths(at, -3);
    const inFund = input.investments.filter((i) => i.certified && i.investedOn <= at && i.investedOn <= threeMonthsBefore);
    return inFund.reduce((s, i) => s + i.amountPence - i.repayments.filter((r) => r.on <= at).reduce((x, r) => x + r.amountPence, 0), 0);
  };
  return onwardTestsOfFund({ accreditedFrom: input.accreditedFrom, today: input.today, heldPence: testDays(input.accreditedFrom, input.today).map(held), onward: input.onward, writeOffs: input.writeOffs });
}

/** The days the onward-investment test measures the fund on: the end of years 1–3 of accreditation, or today if sooner. */
export function testDays(accreditedFrom: Day, today: Day): Day[] {
  return [1, 2, 3].map((year) => {
    const testDay = addYears(accreditedFrom, year);
    return testDay <= today ? testDay : today;
  });
}

/**
 * The onward-investment test from the fund's investments on each test day (`heldPence[k]`, for the day
 * testDays gives: certified investments made three months or more before it, less what was repaid of them by it;
 * worked out in the database for the CDFI's page). Write-offs are taken from the fund and from what was invested.
 */
export function onwardTestsOfFund(input: {
  accreditedFrom: Day;
  today: Day;
  heldPence: readonly number[];
  onward: readonly { on: Day; amountPence: number; qualifying: boolean }[];
  writeOffs: readonly { on: Day; amountPence: number }[];
}): OnwardTest[] {
  const shares = [25, 50, 75];
  return shares.map((pct, k) => {
    const year = k + 1;
    const testDay = addYears(input.accreditedFrom, year);
    const at = testDay <= input.today ? testDay : input.today;
    const written = input.writeOffs.filter((w) => w.on <= at).reduce((s, w) => s + w.amountPence, 0);
    const fundPence = Math.max(0, (input.heldPence[k] ?? 0) - written);
    const onwardPence = Math.max(0, input.onward.filter((o) => o.qualifying && o.on <= at).reduce((s, o) => s + o.amountPence, 0) - written);
    const requiredPence = Math.ceil((fundPence * pct) / 100);
    const passed = testDay <= input.today;
    const ok = onwardPence >= requiredPence;
    const status: OnwardTest['status'] = fundPence === 0 ? 'no-fund' : passed ? (ok ? 'met' : 'breach') : ok ? 'on-track' : 'behind';
    return { year, on: testDay, requiredShare: pct / 100, fundPence, onwardPence, requiredPence, status };
  });
}

/** Pence as pounds for people: 123456 → "£1,234.56"; whole pounds without pence. */
export function poundsText(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  const pounds = Math.floor(abs / 100).toLocaleString('en-GB');
  const p = abs % 100;
  return `${sign}£${pounds}${p ? `.${String(p).padStart(2, '0')}` : ''}`;
}

/** Basis points as a percentage: 450 → "4.5%". */
export function basisPointsText(bp: number): string {
  return `${(bp / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}
