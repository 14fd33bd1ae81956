// Server-rendered SVG charts for any module. A chart is a picture of figures that a table beside it carries
// in full (DESIGN.md: "Charts are server-rendered SVG with a data table beside them"), so the SVG is one
// image to assistive technology: role="img", a <title> and <desc>, referenced by aria-labelledby. No script,
// no inline styles (the CSP forbids them): only presentation attributes. Colours come from the GOV.UK
// palette and each has at least 3:1 contrast with white (WCAG 2.2 non-text contrast); series are also told
// apart by the legend's text, never by colour alone.

/** One series of values, one value per category (e.g. "Share of spending" per decile). */
export interface BarSeries {
  readonly name: string;
  readonly values: readonly number[];
}

export interface BarChartOptions {
  /** A unique id on the page; the title and description get ids derived from it. */
  readonly id: string;
  /** What the chart shows, in a sentence: read out by screen readers. */
  readonly title: string;
  /** Optional longer description, e.g. where the figures come from and where the table is. */
  readonly description?: string;
  /** One label per bar (or group of bars, one per series). */
  readonly categories: readonly string[];
  /** One to four series; each needs a value per category. */
  readonly series: readonly BarSeries[];
  /** The value at the right-hand end of the scale; defaults to the largest value. */
  readonly max?: number;
  /** How values are written at the end of each bar; defaults to the number as given. */
  readonly format?: (value: number) => string;
  /** Width of the drawing in SVG units (it scales to its container); default 640. */
  readonly width?: number;
  /** Width kept for category labels on the left; default: enough for the longest, from 30% to 50% of the width. */
  readonly labelWidth?: number;
  /** Index of a category to emphasise (e.g. "this area"); its label is bold. */
  readonly highlight?: number;
}

/** GOV.UK palette: blue, dark grey, green, purple — each ≥ 3:1 against white. */
export const CHART_COLOURS = ['#1d70b8', '#505a5f', '#00703c', '#4c2c92'] as const;

const FONT = 'GDS Transport, arial, sans-serif';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/**
 * A horizontal bar chart as an SVG string (mark it safe in a template). Bars run left to right from zero;
 * negative values are drawn as zero-length bars but their labels show the true figure. With more than one
 * series, each category gets one bar per series and a legend is drawn above.
 */
export function barChart(options: BarChartOptions): string {
  const { id, title, categories, series } = options;
  if (series.length === 0 || series.length > CHART_COLOURS.length) throw new RangeError(`a bar chart takes 1 to ${CHART_COLOURS.length} series`);
  for (const s of series) {
    if (s.values.length !== categories.length) throw new RangeError(`series "${s.name}" has ${s.values.length} values for ${categories.length} categories`);
  }
  const format = options.format ?? ((v: number) => String(v));
  const width = options.width ?? 640;
  // Room for the longest label (about 7.6 px a character at 14 px), from 30% to half of the width.
  const longest = categories.reduce((n, c) => Math.max(n, c.length), 0);
  const labelWidth = options.labelWidth ?? Math.min(Math.round(width * 0.5), Math.max(Math.round(width * 0.3), Math.ceil(longest * 7.6) + 16));
  const valueWidth = 64;
  const barArea = Math.max(40, width - labelWidth - valueWidth - 8);
  const barHeight = 16;
  const gap = 10;
  const legendHeight = series.length > 1 ? 12 + 20 * series.length : 0;
  const groupHeight = series.length * barHeight + gap;
  const height = legendHeight + categories.length * groupHeight + gap;
  const largest = Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const max = options.max ?? largest;
  const scale = (v: number) => (max > 0 && Number.isFinite(v) ? (Math.max(0, Math.min(v, max)) / max) * barArea : 0);
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="cw-chart" id="${escapeXml(id)}" role="img" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="${escapeXml(titleId)}${options.description ? ` ${escapeXml(descId)}` : ''}" font-family="${FONT}" font-size="14">`,
    `<title id="${escapeXml(titleId)}">${escapeXml(title)}</title>`,
  );
  if (options.description) parts.push(`<desc id="${escapeXml(descId)}">${escapeXml(options.description)}</desc>`);
  if (series.length > 1) {
    series.forEach((s, k) => {
      const y = 6 + 20 * k;
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="14" height="14" fill="${CHART_COLOURS[k]}"/>`,
        `<text x="${labelWidth + 20}" y="${y + 12}" fill="#0b0c0c">${escapeXml(s.name)}</text>`,
      );
    });
  }
  // The zero line.
  parts.push(`<line x1="${labelWidth}" y1="${legendHeight}" x2="${labelWidth}" y2="${height - gap / 2}" stroke="#0b0c0c" stroke-width="1"/>`);
  categories.forEach((category, i) => {
    const top = legendHeight + gap + i * groupHeight;
    const weight = options.highlight === i ? ' font-weight="bold"' : '';
    parts.push(`<text x="${labelWidth - 8}" y="${round(top + (series.length * barHeight) / 2 + 5)}" text-anchor="end" fill="#0b0c0c"${weight}>${escapeXml(category)}</text>`);
    series.forEach((s, k) => {
      const value = s.values[i] ?? 0;
      const y = top + k * barHeight;
      const w = scale(value);
      parts.push(
        `<rect x="${labelWidth}" y="${round(y + 1)}" width="${round(w)}" height="${barHeight - 2}" fill="${CHART_COLOURS[k]}"/>`,
        `<text x="${round(labelWidth + w + 6)}" y="${round(y + barHeight - 3)}" fill="#0b0c0c" font-size="12">${escapeXml(format(value))}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Formats a share (0 … 1) as a percentage with one decimal place: 0.1234 → "12.3%". */
export function percent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}
