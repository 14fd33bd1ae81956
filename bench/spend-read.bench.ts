// Benchmarks the spend file reader (no database): the seven real council files, then a synthetic file of
// 1,000,000 lines in the Local Government Transparency Code layout, streamed from disk.
// Run: node --import tsx bench/spend-read.bench.ts [rows]   (the synthetic file is written to bench/out/)
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openSpendFile, type SpendInput } from '../src/spend/spend.read.ts';
import { writeCodeFile } from './spend-generate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const rows = Number(process.argv[2] ?? 1_000_000);

const FILES: [string, string | undefined][] = [
  ['darlington-2010-10.csv', '2010-10..2010-12'],
  ['newcastle-2017-02.csv', undefined],
  ['northtyneside-2014-05.csv', undefined],
  ['calderdale-2015-06.csv', undefined],
  ['leeds-2011-04.csv', undefined],
  ['gateshead-2011-02.csv', undefined],
  ['oxford-2017-q1.csv', undefined],
];

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function time(input: SpendInput, period?: string) {
  const start = performance.now();
  const file = await openSpendFile(input, period ? { period } : {});
  let count = 0;
  for await (const record of file.records()) if (record.kind === 'line') count++;
  const ms = performance.now() - start;
  return { ms, count, summary: file.summary() };
}


console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
console.log('\nThe seven council files (read from memory):');
let allRows = 0;
let allMs = 0;
for (const [name, period] of FILES) {
  const bytes = readFileSync(`${root}datasets/spend/${name}`);
  const { ms, count, summary } = await time(bytes, period);
  allRows += count;
  allMs += ms;
  console.log(
    `  ${name.padEnd(26)} ${String(count).padStart(6)} lines ${String(summary.netTotalPence).padStart(11)}p ` +
      `${String(summary.rowsRejected).padStart(2)} rejected ${ms.toFixed(0).padStart(5)} ms ` +
      `${Math.round(count / (ms / 1000)).toLocaleString('en-GB').padStart(10)} lines/s`,
  );
}
console.log(`  all seven: ${allRows} lines in ${allMs.toFixed(0)} ms, ${Math.round(allRows / (allMs / 1000)).toLocaleString('en-GB')} lines/s`);

const outDir = `${root}bench/out`;
mkdirSync(outDir, { recursive: true });
const synthetic = `${outDir}/spend-code-${rows}.csv`;
if (!existsSync(synthetic)) {
  const start = performance.now();
  await writeCodeFile(synthetic, rows);
  console.log(`\nWrote ${synthetic} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
const size = statSync(synthetic).size;
global.gc?.();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const { ms, count, summary } = await time(createReadStream(synthetic, { highWaterMark: 1 << 20 }));
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`\nSynthetic Code-format file, streamed from disk: ${mb(size)}, ${count.toLocaleString('en-GB')} lines`);
console.log(`  ${(ms / 1000).toFixed(2)} s, ${Math.round(count / (ms / 1000)).toLocaleString('en-GB')} lines/s, ${mb(size / (ms / 1000))}/s`);
console.log(`  RSS before ${mb(rssBefore)}, peak while reading ${mb(peakRss)}; process max RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
console.log(`  total ${summary.netTotalPence}p, ${summary.suppliers} suppliers, ${summary.rowsRejected} rejected, ${summary.duplicateLines} duplicates`);
