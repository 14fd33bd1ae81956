// The check of a file (`grants validate`, the check page, a draft's check) reads a JSON package as a stream:
// a 200 MB single-line file and a gzip bomb are refused with a clear error while memory stays bounded, and a
// good file gives the whole-file reader's summary. Files are generated here, in a temporary directory.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isAppError } from '../platform/errors.ts';
import { readGrantsFile } from './grants.read.ts';
import * as service from './grants.service.ts';
import { grant, pkg } from './grants.test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'cw-grants-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `head`, then `bytes` of `x` a megabyte at a time, then `tail`: one line, never held whole. */
async function padded(name: string, head: string, bytes: number, tail: string): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const mb = Buffer.alloc(1024 * 1024, 0x78);
  const write = (b: Buffer | string) => new Promise<void>((resolve) => (out.write(b) ? resolve() : out.once('drain', () => resolve())));
  await write(head);
  for (let left = bytes; left > 0; left -= mb.length) await write(left >= mb.length ? mb : mb.subarray(0, left));
  await write(tail);
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return path;
}

/** Runs `f`, sampling the process's resident memory: how far above its start it went, in MB. */
async function peakGrowth(f: () => Promise<unknown>): Promise<{ mb: number; error: unknown }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 1);
  let error: unknown = null;
  try { await f(); } catch (e) { error = e; } finally { clearInterval(timer); }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { mb: (peak - base) / 1048576, error };
}

const message = (e: unknown) => (isAppError(e) ? `${e.code} ${e.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ')}` : String(e));

describe('grants: the check of a file streams', () => {
  it('refuses a 200 MB single-line file by its first oversized value, in bounded memory', async () => {
    const inGrant = await padded('one-grant.json', '{"grants":[{"id":"360G-x","title":"', 200 * 1024 * 1024, '"}]}');
    const r = await peakGrowth(() => service.validateGrantsFile({ path: inGrant }));
    assert.match(message(r.error), /^validation_failed grants\/0: The grant at index 0 is more than 16 MB of JSON/);
    assert.ok(r.mb < 120, `memory grew ${r.mb.toFixed(0)} MB`);
    const beside = await padded('padding.json', '{"padding":"', 200 * 1024 * 1024, '","grants":[]}');
    const p = await peakGrowth(() => service.validateGrantsFile({ path: beside }));
    assert.match(message(p.error), /^validation_failed file: A value of the package is more than 16 MB of JSON/);
    assert.ok(p.mb < 120, `memory grew ${p.mb.toFixed(0)} MB`);
  });

  it('stops a gzip bomb at the limit while it inflates', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"grants":['), Buffer.alloc(64 * 1024 * 1024, 0x20)]));
    assert.ok(bomb.length < 200_000);
    const r = await peakGrowth(() => service.validateGrantsBytes(bomb, { maxBytes: 16 * 1024 * 1024, maxGrants: 1000 }));
    assert.match(message(r.error), /decompresses to more than 16 MB/);
    assert.ok(r.mb < 120, `memory grew ${r.mb.toFixed(0)} MB`);
    const path = join(dir, 'bomb.json.gz');
    writeFileSync(path, gzipSync(Buffer.from('{"grants": [1, 2')));
    assert.match(message(await service.validateGrantsFile({ path }).catch((e) => e)), /not JSON/);
    assert.match(message(await service.validateGrantsFile({ path: join(dir, 'nothing.json') }).catch((e) => e)), /file: No file at/);
  });

  it('gives the whole-file reader’s summary and problems for a good single-line package, by path or bytes, gzipped too', async () => {
    const grants = Array.from({ length: 1500 }, (_v, i) => grant(`360G-c-${i}`, i % 100 === 0 ? { awardDate: '01/02/2023', amountAwarded: i === 0 ? 'ten' : 50 } : {}));
    grants.push(grant('360G-c-1'));
    const bytes = pkg(grants);
    const path = join(dir, 'good.json');
    writeFileSync(path, bytes);
    const whole = readGrantsFile(bytes);
    for (const s of [await service.validateGrantsFile({ path }), await service.validateGrantsBytes(bytes), await service.validateGrantsBytes(gzipSync(bytes))]) {
      assert.equal(s.grantsImported, whole.grants.length);
      assert.deepEqual(s.rejected, whole.rejected);
      assert.deepEqual(s.problems, whole.problems);
    }
    const s = await service.validateGrantsFile({ path });
    assert.equal(s.grantsImported, 1499);
    assert.deepEqual(s.rejected.map((x) => [x.index, x.id]), [[0, '360G-c-0'], [1500, '360G-c-1']]);
    assert.equal(s.problems.filter((p) => p.severity === 'repaired' && p.field === 'awardDate').length, 14, 'the dd/mm/yyyy dates of the 14 grants kept, repaired');
  });
});
