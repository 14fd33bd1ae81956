// Scorecards: the funnel method at the scale the command line promises (a million units), and the funnel page.
// Run: node --import tsx bench/scorecards.bench.ts [rows]      (no database for the first part; PGlite for the page)
import { openTestContext, TestAgent } from '../src/platform/testing.ts';
import { createApp } from '../src/app.ts';
import { readFunnelCsv } from '../src/scorecards/scorecards.funnel-csv.ts';
import { funnelJson } from '../src/scorecards/scorecards.funnel.ts';
import { funnel, type Statistic } from '../src/scorecards/scorecards.stats.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const ms = (n: number) => `${Math.round(n).toLocaleString('en-GB')} ms`;

// A deterministic generator so every run reads the same file.
let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);

function file(statistic: Statistic): string {
  const lines = [statistic === 'proportion' ? 'unit,numerator,denominator' : 'unit,observed,expected'];
  for (let i = 0; i < rows; i++) {
    if (statistic === 'proportion') {
      const n = 10 + Math.floor(random() * 2000);
      lines.push(`Unit ${i},${Math.floor(n * (0.6 + random() * 0.3))},${n}`);
    } else {
      const e = 1 + random() * 500;
      lines.push(`Unit ${i},${Math.round(e * (0.7 + random() * 0.6))},${e.toFixed(3)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

for (const statistic of ['proportion', 'ratio'] as Statistic[]) {
  for (const overdispersion of [false, true]) {
    const text = file(statistic);
    const t0 = performance.now();
    const csv = readFunnelCsv(text, statistic);
    const t1 = performance.now();
    const f = funnel(csv.rows, { statistic, overdispersion });
    const t2 = performance.now();
    const json = JSON.stringify(funnelJson(f));
    const t3 = performance.now();
    console.log(`${statistic}${overdispersion ? ' + overdispersion' : ''}, ${rows.toLocaleString('en-GB')} rows (${(text.length / 1048576).toFixed(0)} MB): read and check ${ms(t1 - t0)}, limits ${ms(t2 - t1)}, JSON ${ms(t3 - t2)} (${(json.length / 1048576).toFixed(0)} MB); total ${ms(t3 - t0)}`);
  }
}

// The funnel page: 100 units uploaded, drawn and tabled, 50 times.
const ctx = await openTestContext('pglite');
const app = await createApp(ctx);
const agent = new TestAgent(app);
await agent.get('/scorecards/funnel');
seed = 1;
const content = ['unit,numerator,denominator', ...Array.from({ length: 100 }, (_, i) => `Ward ${i},${Math.floor(300 * (0.6 + random() * 0.3))},300`)].join('\n');
const times: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  const res = await agent.postMultipart('/scorecards/funnel', { statistic: 'proportion' }, { filename: 'wards.csv', content });
  times.push(performance.now() - t);
  if (res.statusCode !== 200) throw new Error(`funnel page answered ${res.statusCode}`);
}
times.sort((a, b) => a - b);
console.log(`funnel page, 100 units: median ${times[25]!.toFixed(1)} ms, p95 ${times[47]!.toFixed(1)} ms over 50`);
await app.close();
await ctx.handle.close();
