// Scorecard periods: UK financial years, named '2024-25' (1 April 2024 to 31 March 2025).
import { AppError } from '../platform/errors.ts';

export interface Period {
  /** '2024-25' */
  name: string;
  /** First day, '2024-04-01', and the day after the last, '2025-04-01'. */
  fromDay: string; toDay: string;
  /** The last day, '2025-03-31'. */
  lastDay: string;
  from: Date; to: Date;
  label: string;
}

export function financialYear(start: number): Period {
  const name = `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
  return {
    name, fromDay: `${start}-04-01`, toDay: `${start + 1}-04-01`, lastDay: `${start + 1}-03-31`,
    from: new Date(`${start}-04-01T00:00:00Z`), to: new Date(`${start + 1}-04-01T00:00:00Z`), label: `April ${start} to March ${start + 1}`,
  };
}

/** The financial year a moment falls in. */
export function periodOf(at: Date): Period {
  const y = at.getUTCFullYear();
  return financialYear(at.getUTCMonth() >= 3 ? y : y - 1);
}

/** Reads '2024-25'; anything else is a validation error on `period`. */
export function parsePeriod(text: unknown): Period {
  const t = typeof text === 'string' ? text.trim() : '';
  const m = /^(\d{4})-(\d{2})$/.exec(t);
  const start = m ? Number(m[1]) : NaN;
  if (!m || start < 2000 || start > 2100 || (start + 1) % 100 !== Number(m[2])) {
    throw AppError.validation([{ field: 'period', message: 'Choose a financial year from the list, written like 2024-25' }]);
  }
  return financialYear(start);
}

/** The financial years a scorecard offers, newest first: this one and the `count - 1` before it. */
export function recentPeriods(count = 6, now = new Date()): Period[] {
  const current = Number(periodOf(now).name.slice(0, 4));
  return Array.from({ length: count }, (_, i) => financialYear(current - i));
}
