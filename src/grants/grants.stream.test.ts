// The streaming reader of 360Giving JSON packages: the same grants, problems and refusals as the whole-file
// reader, whatever the chunk boundaries; flat memory is the benchmark's to show (bench/grants-import.bench.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isAppError } from '../platform/errors.ts';
import { readGrantsFile } from './grants.read.ts';
import { fileChunks, grantsElements, isJsonFile, jsonSource, sha256Of } from './grants.stream.ts';
import { dataset } from './grants.test-support.ts';

const TODAY = '2026-12-03';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function elements(text: string | Uint8Array, size = 7, max = 1000): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of grantsElements(chunked(typeof text === 'string' ? Buffer.from(text) : text, size), max)) out.push(e);
  return out;
}

async function refusal(text: string | Uint8Array, size = 5, max = 1000): Promise<string> {
  try {
    await elements(text, size, max);
  } catch (error) {
    assert.ok(isAppError(error) && error.code === 'validation_failed', String(error));
    return error.fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ');
  }
  assert.fail('the file was read');
}

async function streamRead(bytes: Uint8Array, limits = { maxBytes: 512 * 1024 * 1024, maxGrants: 1_000_000 }) {
  const source = jsonSource({ bytes }, await sha256Of({ bytes }), limits, TODAY);
  const grants = [];
  for await (const batch of source.batches(3)) grants.push(...batch);
  return { grants, rejected: source.rejected, problems: source.problems, sha256: source.sha256 };
}

describe('grants: the streaming JSON reader', () => {
  it('splits the grants list into its elements whatever the chunk size, minding strings, escapes and nesting', async () => {
    const grants = [{ id: 'a', title: 'Brackets ] } [ { and "quotes" and \\ back', n: [1, [2, { x: '}' }]] }, { id: 'é—✓', title: 'UTF-8 across chunks 😀' }, 'text', 12.5e3, null, true, []];
    const text = JSON.stringify({ funders: { a: [1, 2, { b: '"]' }] }, grants, after: 'x' }, null, 1);
    for (const size of [1, 2, 3, 7, 64, 100_000]) assert.deepEqual(await elements(text, size), grants, `chunks of ${size}`);
    assert.deepEqual(await elements('\ufeff{"grants": []}'), []);
    assert.deepEqual(await elements(' { "grants" : [ {"id":"x"} ] } \n'), [{ id: 'x' }]);
  });

  it('refuses what is not a package, as the whole-file reader does, and stops at the limits', async () => {
    assert.match(await refusal('{"grants": ['), /^file: The file is not JSON: the file ends/);
    assert.match(await refusal('{"grants": [1, 2'), /^file: The file is not JSON/);
    assert.match(await refusal('{"grants": [{"id": tru}]}'), /^file: The file is not JSON/);
    assert.match(await refusal('{"grants": [{"id": 1} {"id": 2}]}'), /^file: The file is not JSON: “,” or “]” was expected after a grant at byte 22/);
    assert.match(await refusal('{"grants": [1,]}'), /^file: The file is not JSON: a grant was expected/);
    assert.match(await refusal('{"grants": []} {}'), /there is more after/);
    assert.match(await refusal('hello'), /^file: The file is not JSON: it starts with “h”/);
    assert.match(await refusal('[{"id": 1}]'), /^file: The JSON is not a 360Giving package/);
    assert.match(await refusal('{"funders": []}'), /^grants: The package has no "grants"/);
    assert.match(await refusal('{"grants": {"id": 1}}'), /^grants: "grants" must be a list/);
    assert.match(await refusal('{"grants": [], "grants": []}'), /^grants: The package gives "grants" twice/);
    assert.match(await refusal('{"grants": [1, 2, 3]}', 5, 2), /more than the 2 grants/);
    assert.match(await refusal(Buffer.from([0x7b, 0x22, 0x67, 0x72, 0x61, 0x6e, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0xff, 0x22, 0x5d, 0x7d])), /not UTF-8/);
    assert.match(await refusal(''), /The file is empty/);
  });

  it('stops a gzip bomb and a file over the limit while reading, without holding them', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    const read = async (bytes: Uint8Array) => {
      try {
        for await (const _c of fileChunks({ bytes }, 1024 * 1024)) { /* reading */ }
      } catch (error) {
        return isAppError(error) ? error.fieldErrors[0]!.message : String(error);
      }
      return 'read';
    };
    assert.match(await read(bomb), /decompresses to more than 1 MB/);
    assert.match(await read(Buffer.alloc(2 * 1024 * 1024, 0x20)), /is more than 1 MB/);
    assert.match(await read(Buffer.from([0x1f, 0x8b, 1, 2, 3])), /cannot be decompressed/);
    assert.equal(await read(gzipSync(Buffer.from('{"grants": []}'))), 'read');
  });

  it('reads the real files to the same grants, rejections and problems as the whole-file reader, gzipped or from a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-grants-stream-'));
    try {
      for (const name of ['community-foundations-regrants.json', 'wolfson-foundation.json', 'lloyds-bank-foundation.json.gz']) {
        const bytes = dataset(name);
        const whole = readGrantsFile(bytes, undefined, TODAY);
        const streamed = await streamRead(bytes);
        assert.ok(whole.grants.length > 10, name);
        assert.deepEqual(streamed.grants, whole.grants, name);
        assert.deepEqual(streamed.rejected, whole.rejected);
        assert.deepEqual(streamed.problems, whole.problems);
        assert.equal(streamed.sha256, whole.sha256);
        const gz = name.endsWith('.gz') ? bytes : gzipSync(bytes);
        assert.deepEqual((await streamRead(gz)).grants, readGrantsFile(gz, undefined, TODAY).grants, `${name}, gzipped`);
        const path = join(dir, name);
        writeFileSync(path, gz);
        assert.equal(await sha256Of({ path }), readGrantsFile(gz, undefined, TODAY).sha256);
        assert.ok(await isJsonFile({ path }, 1024 * 1024 * 1024));
      }
      // Duplicates and unreadable grants are rejected by index, in the stream as in the whole file.
      const bad = Buffer.from(JSON.stringify({ grants: [{ id: 'd' }, 'x', { id: 'd', title: 't' }] }));
      assert.deepEqual((await streamRead(bad)).rejected, readGrantsFile(bad, undefined, TODAY).rejected);
      assert.ok(!(await isJsonFile({ bytes: Buffer.from('Identifier,Title\n') }, 1024)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
