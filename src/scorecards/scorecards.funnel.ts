// The funnel as it leaves the server (CLI --json, API) and as a page shows it: a presenter names every field.
import type { Funnel, Significance } from './scorecards.stats.ts';

export interface FunnelJson {
  target: number;
  rows: { unit: string; value: number; lower95: number; upper95: number; lower998: number; upper998: number; significance: Significance }[];
}

/** Exactly `{ target, rows: [{ unit, value, lower95, upper95, lower998, upper998, significance }] }`. */
export function funnelJson(f: Funnel): FunnelJson {
  return {
    target: f.target,
    rows: f.rows.map((r) => ({ unit: r.unit, value: r.value, lower95: r.lower95, upper95: r.upper95, lower998: r.lower998, upper998: r.upper998, significance: r.significance })),
  };
}

export const SIGNIFICANCE_TEXT: Record<Significance, string> = {
  'high-99.8': 'Higher than expected (beyond 99.8% limit)',
  'high-95': 'Higher than expected (beyond 95% limit)',
  'as-expected': 'Within the limits',
  'low-95': 'Lower than expected (beyond 95% limit)',
  'low-99.8': 'Lower than expected (beyond 99.8% limit)',
};
