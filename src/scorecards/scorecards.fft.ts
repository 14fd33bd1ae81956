// The Friends and Family Test as a scorecard shows it. NHS England's method: the share positive is "very good"
// plus "good" out of every answer (including "neither good nor poor" and "don't know"); likewise negative. To
// protect the people who answered, counts of 1 to 4 are suppressed; where only one count in a row would be
// suppressed, the next smallest non-zero count is suppressed too, so the hidden one cannot be worked out from
// the total (secondary suppression); and with fewer than 5 answers in all, nothing but "fewer than 5" is shown.
import { FFT_RATINGS, type FftRating } from '../voice/voice.service.ts';
import { wilson } from './scorecards.stats.ts';

export interface FftSummary {
  /** Answers in all, or null when fewer than 5 (suppressed). */
  readonly responses: number | null;
  /** Each answer's count, best first; null where suppressed. */
  readonly counts: { readonly rating: FftRating; readonly count: number | null }[];
  /** Share "very good" or "good", with its Wilson 95% interval; null with fewer than 5 answers. */
  readonly positive: { readonly share: number; readonly lower95: number; readonly upper95: number } | null;
  readonly negative: { readonly share: number; readonly lower95: number; readonly upper95: number } | null;
}

const SMALL = (n: number) => n >= 1 && n <= 4;

export function fftSummary(ratings: Record<FftRating, number>): FftSummary {
  const total = FFT_RATINGS.reduce((n, r) => n + ratings[r], 0);
  if (total < 5) {
    return { responses: null, counts: FFT_RATINGS.map((rating) => ({ rating, count: total === 0 ? 0 : null })), positive: null, negative: null };
  }
  const hidden = new Set<FftRating>(FFT_RATINGS.filter((r) => SMALL(ratings[r])));
  if (hidden.size === 1) {
    // Secondary suppression: the smallest other non-zero count (the first on the scale among equals).
    const next = FFT_RATINGS.filter((r) => !hidden.has(r) && ratings[r] > 0).sort((a, b) => ratings[a] - ratings[b])[0];
    if (next) hidden.add(next);
  }
  const share = (n: number) => {
    const w = wilson(n, total);
    return { share: n / total, lower95: w.lower, upper95: w.upper };
  };
  return {
    responses: total,
    counts: FFT_RATINGS.map((rating) => ({ rating, count: hidden.has(rating) ? null : ratings[rating] })),
    positive: share(ratings['very-good'] + ratings.good),
    negative: share(ratings.poor + ratings['very-poor']),
  };
}
