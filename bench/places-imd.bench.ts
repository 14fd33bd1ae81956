// Times the full England IMD 2019 recompute (32,844 LSOAs, seven domains) against the 300 ms target, and,
// for context, parsing the published files and the district summaries. A plain script, not a test:
//   node --import tsx bench/places-imd.bench.ts
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { computeImd, laDomainSummaries, laSummaries } from '../src/places/places.compute.ts';
import { parseIod2019Domains, parseIod2019Population } from '../src/places/places.parse.ts';

const TARGET_MS = 300;
const RUNS = 30;

function dataset(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../datasets/deprivation/${name}`, import.meta.url)));
}

function time<T>(work: () => T): [T, number] {
  const start = performance.now();
  const result = work();
  return [result, performance.now() - start];
}

async function main(): Promise<void> {
  let start = performance.now();
  const rows = await parseIod2019Domains(dataset('iod2019-file2-domain-ranks.csv.gz'));
  const parseMs = performance.now() - start;
  start = performance.now();
  const population = new Map(
    (await parseIod2019Population(dataset('iod2019-file6-population.csv.gz'))).map((r) => [r.lsoaCode, r.population]),
  );
  const parsePopulationMs = performance.now() - start;

  const [, firstMs] = time(() => computeImd(rows));
  const samples: number[] = [];
  let imd = computeImd(rows);
  for (let i = 0; i < RUNS; i++) {
    const [result, ms] = time(() => computeImd(rows));
    imd = result;
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(RUNS / 2)] ?? 0;
  const worst = samples[RUNS - 1] ?? 0;
  const [, summariesMs] = time(() => laSummaries(imd, population));
  const [, domainSummariesMs] = time(() => laDomainSummaries(rows, population));

  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(`IMD 2019 recompute, ${rows.length} LSOAs (Node ${process.version})`);
  console.log(`  first run (cold):        ${f(firstMs)}`);
  console.log(`  median of ${RUNS} warm runs:  ${f(median)}   (worst ${f(worst)})`);
  console.log(`  target:                  ≤ ${TARGET_MS} ms  → ${firstMs <= TARGET_MS && worst <= TARGET_MS ? 'met' : 'MISSED'}`);
  console.log('context');
  console.log(`  parse File 2 (gzip):     ${f(parseMs)}`);
  console.log(`  parse File 6 (gzip):     ${f(parsePopulationMs)}`);
  console.log(`  IMD district summaries:  ${f(summariesMs)}`);
  console.log(`  7 domains' summaries:    ${f(domainSummariesMs)}`);
}

await main();
