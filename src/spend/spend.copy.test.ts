import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SpendFileError } from './spend.errors.ts';
import { openCopyStream, type CopySource } from './spend.copy.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));

async function readAll(source: CopySource, worker: boolean, period?: string) {
  const total = 'bytes' in source ? source.bytes.length : 0;
  const progress: number[] = [];
  const stream = await openCopyStream(source, { total, worker, period, onProgress: (read) => progress.push(read) });
  const parts: Buffer[] = [];
  for await (const piece of stream.pieces()) parts.push(typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece));
  const suppliers = [...stream.suppliers.suppliers].map(([k, s]) => [k, [...s.names].sort(), [...s.companies].sort(), [...s.charities].sort()]);
  return { text: Buffer.concat(parts).toString('utf8'), summary: stream.summary(), suppliers: suppliers.sort(), progress };
}

it('reads a file in a worker thread into exactly the COPY text, summary and suppliers it gives in this thread', async () => {
  for (const [name, period] of [['leeds-2011-04.csv'], ['darlington-2010-10.csv', '2010-10..2010-12'], ['calderdale-2015-06.csv']] as const) {
    const bytes = dataset(name);
    const here = await readAll({ bytes }, false, period);
    const gz = gzipSync(bytes);
    const copy = Buffer.from(gz);
    const there = await readAll({ bytes: gz }, true, period);
    // The worker was handed copies of the bytes a megabyte at a time: the caller's are as they were.
    assert.ok(gz.equals(copy), `${name}: the caller's bytes untouched`);
    assert.equal(there.text, here.text, name);
    assert.deepEqual(there.suppliers, here.suppliers, name);
    const { sha256: _a, bytes: _b, compression: _c, ...a } = here.summary;
    const { sha256: _d, bytes: _e, compression: _f, ...b } = there.summary;
    assert.deepEqual(b, a, name);
    assert.ok(here.text.split('\n').length - 1 === here.summary.rowsImported, name);
    assert.ok(there.progress.length > 0, `${name}: progress from the worker`);
  }
});

it('reports a fault a worker finds, at opening and further in, as the reader’s own error', async () => {
  await assert.rejects(openCopyStream({ bytes: Buffer.from('Date,Supplier Name\n01/03/2020,ACME LTD\n') }, { total: 0, worker: true }),
    (e: unknown) => e instanceof SpendFileError && e.code === 'spend.no-amount-column');
  const gz = gzipSync(dataset('leeds-2011-04.csv'));
  const stream = await openCopyStream({ bytes: gz.subarray(0, Math.floor(gz.length * 0.8)) }, { total: 0, worker: true });
  await assert.rejects(async () => {
    for await (const _ of stream.pieces());
  }, (e: unknown) => e instanceof SpendFileError && e.code === 'spend.gzip-invalid');
  await stream.close();
});

it('stops a worker that is closed before its file is read', async () => {
  const stream = await openCopyStream({ bytes: dataset('leeds-2011-04.csv') }, { total: 0, worker: true });
  await stream.close();
  await stream.close();
});
