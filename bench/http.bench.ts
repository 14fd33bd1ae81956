// Throughput and latency of the platform's pages and API on the embedded database, with the demo loaded.
// Run: node --import tsx bench/http.bench.ts [seconds-per-endpoint]   (DATABASE_URL set: on that server)
import type { AddressInfo } from 'node:net';
import { openTestContext } from '../src/platform/testing.ts';
import { createApp, seedDemo } from '../src/app.ts';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = 20;
const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const ctx = await openTestContext(engine);
await seedDemo(ctx);
const app = await createApp(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const endpoints = ['/healthz', '/', '/organisations', '/organisations/newcastle-city-council', '/api/v1/organisations?pageSize=25', '/api/v1/openapi.json'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

console.log(`engine ${engine}, ${concurrency} concurrent clients, ${seconds} s per endpoint`);
console.log('| endpoint | requests/s | p50 ms | p95 ms |');
console.log('|---|---:|---:|---:|');
for (const path of endpoints) {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  let failures = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const start = performance.now();
      const res = await fetch(base + path);
      await res.arrayBuffer();
      if (!res.ok) failures++;
      latencies.push(performance.now() - start);
    }
  }));
  latencies.sort((a, b) => a - b);
  const rps = latencies.length / seconds;
  console.log(`| \`${path}\` | ${rps.toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} |${failures ? ` ${failures} failed` : ''}`);
}
await app.close();
await ctx.handle.close();
