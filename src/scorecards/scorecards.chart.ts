// A funnel plot as server-rendered SVG (see platform/charts.ts for the rules every chart follows: one image to
// assistive technology, presentation attributes only, GOV.UK colours with 3:1 contrast, never colour alone).
// Each unit is a point at (denominator, value); the target is a line and the 95% and 99.8% limits are curves.
// Points beyond a limit are drawn as triangles pointing the way they differ, within the limits as circles, and
// the table beside the chart carries every figure.
import { escapeXml } from '../platform/charts.ts';
import type { Funnel, Limits } from './scorecards.stats.ts';

const FONT = 'GDS Transport, arial, sans-serif';
const INK = '#0b0c0c';
const GREY = '#505a5f';
const BLUE = '#1d70b8';
const RED = '#d4351c';

export interface FunnelChartOptions {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly funnel: Funnel;
  /** The limits at any denominator (stats.limitsFunction for this funnel). */
  readonly limitsAt: (denominator: number) => Limits;
  /** How a value is written on the axis: a proportion as a percentage, a ratio as it is. */
  readonly format: (value: number) => string;
  readonly xLabel: string;
  readonly yLabel: string;
}

const r1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** "Nice" tick values covering lo … hi, about `count` of them. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function funnelChart(o: FunnelChartOptions): string {
  const { funnel: f } = o;
  const width = 640;
  const height = 400;
  const left = 64;
  const right = 16;
  const top = 40;
  const bottom = 56;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const maxX = Math.max(...f.rows.map((r) => r.denominator)) * 1.05;
  const values = f.rows.map((r) => r.value);
  // The y range shows every point and the target, padded; curves beyond it are clipped.
  let yLo = Math.min(f.target, ...values);
  let yHi = Math.max(f.target, ...values);
  const pad = (yHi - yLo || Math.abs(f.target) || 1) * 0.15;
  yLo = Math.max(0, yLo - pad);
  yHi = f.statistic === 'proportion' ? Math.min(1, yHi + pad) : yHi + pad;
  if (yHi <= yLo) yHi = yLo + 1;
  const x = (v: number) => left + (v / maxX) * plotW;
  const y = (v: number) => top + plotH - ((v - yLo) / (yHi - yLo)) * plotH;
  const clamp = (v: number) => Math.max(yLo - (yHi - yLo), Math.min(yHi + (yHi - yLo), v));
  const clipId = `${o.id}-clip`;
  const titleId = `${o.id}-title`;
  const descId = `${o.id}-desc`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="cw-chart" id="${escapeXml(o.id)}" role="img" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="${escapeXml(titleId)}${o.description ? ` ${escapeXml(descId)}` : ''}" font-family="${FONT}" font-size="13">`,
    `<title id="${escapeXml(titleId)}">${escapeXml(o.title)}</title>`,
  ];
  if (o.description) parts.push(`<desc id="${escapeXml(descId)}">${escapeXml(o.description)}</desc>`);
  parts.push(`<defs><clipPath id="${escapeXml(clipId)}"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`);
  // Axes and ticks.
  for (const t of ticks(yLo, yHi, 6)) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${r1(y(t))}" y2="${r1(y(t))}" stroke="#b1b4b6" stroke-width="0.5"/>`,
      `<text x="${left - 6}" y="${r1(y(t) + 4)}" text-anchor="end" fill="${INK}">${escapeXml(o.format(t))}</text>`);
  }
  for (const t of ticks(0, maxX, 6)) {
    parts.push(`<text x="${r1(x(t))}" y="${top + plotH + 18}" text-anchor="middle" fill="${INK}">${escapeXml(t.toLocaleString('en-GB'))}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="${INK}"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="${INK}"/>`,
    `<text x="${left + plotW / 2}" y="${height - 12}" text-anchor="middle" fill="${INK}">${escapeXml(o.xLabel)}</text>`,
    `<text x="14" y="${top + plotH / 2}" text-anchor="middle" fill="${INK}" transform="rotate(-90 14 ${top + plotH / 2})">${escapeXml(o.yLabel)}</text>`);
  // Legend.
  parts.push(`<line x1="${left}" x2="${left + 24}" y1="14" y2="14" stroke="${INK}" stroke-width="2"/><text x="${left + 30}" y="18" fill="${INK}">Target</text>`,
    `<line x1="${left + 100}" x2="${left + 124}" y1="14" y2="14" stroke="${BLUE}" stroke-width="2" stroke-dasharray="6 3"/><text x="${left + 130}" y="18" fill="${INK}">95% limits</text>`,
    `<line x1="${left + 230}" x2="${left + 254}" y1="14" y2="14" stroke="${RED}" stroke-width="2"/><text x="${left + 260}" y="18" fill="${INK}">99.8% limits</text>`);
  // Curves: sampled more densely where they bend (small denominators).
  const samples = 120;
  const xs: number[] = [];
  for (let i = 1; i <= samples; i++) xs.push(maxX * (i / samples) ** 2);
  const lim = xs.map((v) => o.limitsAt(v));
  const path = (key: keyof Limits) => xs.map((v, i) => `${i ? 'L' : 'M'}${r1(x(v))} ${r1(y(clamp(lim[i]![key])))}`).join('');
  parts.push(`<g clip-path="url(#${escapeXml(clipId)})" fill="none">`,
    `<line x1="${left}" x2="${left + plotW}" y1="${r1(y(f.target))}" y2="${r1(y(f.target))}" stroke="${INK}" stroke-width="2"/>`,
    `<path d="${path('lower95')}" stroke="${BLUE}" stroke-width="2" stroke-dasharray="6 3"/>`,
    `<path d="${path('upper95')}" stroke="${BLUE}" stroke-width="2" stroke-dasharray="6 3"/>`,
    `<path d="${path('lower998')}" stroke="${RED}" stroke-width="2"/>`,
    `<path d="${path('upper998')}" stroke="${RED}" stroke-width="2"/>`, '</g>');
  // Points.
  parts.push('<g>');
  for (const r of f.rows) {
    const px = r1(x(r.denominator));
    const py = y(r.value);
    if (r.significance === 'as-expected') parts.push(`<circle cx="${px}" cy="${r1(py)}" r="4" fill="${GREY}"/>`);
    else {
      const up = r.significance.startsWith('high');
      const cx = x(r.denominator);
      const d = up ? `M${r1(cx)} ${r1(py - 6)}L${r1(cx - 5)} ${r1(py + 4)}L${r1(cx + 5)} ${r1(py + 4)}Z` : `M${r1(cx)} ${r1(py + 6)}L${r1(cx - 5)} ${r1(py - 4)}L${r1(cx + 5)} ${r1(py - 4)}Z`;
      parts.push(`<path d="${d}" fill="${up ? BLUE : RED}"/>`);
    }
  }
  parts.push('</g></svg>');
  return parts.join('');
}
