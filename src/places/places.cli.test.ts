// The places commands as a person runs them: `node bin/commonweal.js places …` with a temporary data folder
// (PGlite; DATABASE_URL is removed so the commands never touch a shared server).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { datasetPath, IOD2019_FILE2, IOD2019_FILE6, SIMD2020_RANKS } from './places.test-data.ts';
import { SHIPPED_LOOKUPS, shippedLookup } from './places.demo.ts';

const bin = fileURLToPath(new URL('../../bin/commonweal.js', import.meta.url));
const run = promisify(execFile);

async function cli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DATABASE_REPLICA_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args, '--data-dir', dataDir], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('places CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-places-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a malformed SIMD file naming line and column, and loads nothing', async () => {
    const bad = join(dir, 'bad-simd.csv');
    writeFileSync(bad, 'Data_Zone,Intermediate_Zone,Council_area,Total_population,Working_age_population,SIMD2020v2_Rank,SIMD2020v2_Income_Domain_Rank,SIMD2020_Employment_Domain_Rank,SIMD2020_Health_Domain_Rank,SIMD2020_Education_Domain_Rank,SIMD2020_Access_Domain_Rank,SIMD2020_Crime_Domain_Rank,SIMD2020_Housing_Domain_Rank\nS01000001,A,Fife,1,1,1,1,1,1,1,1,1,1\nS0100002,B,Fife,1,1,2,2,2,2,2,2,2,2\n');
    const result = await cli(join(dir, 'db'), 'places', 'import-simd2020', '--ranks', bad);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--ranks: the SIMD 2020 ranks file: line 3, column 1: "S0100002" is not a valid data zone \(2011\) code/);
    const status = await cli(join(dir, 'db'), 'places', 'status', '--json');
    assert.deepEqual(JSON.parse(status.stdout), { datasets: [] });
  });

  it('imports the published files with progress on stderr, and a second import changes nothing', async () => {
    const db = join(dir, 'db');
    const first = await cli(db, 'places', 'import-iod2019', '--domains', datasetPath(IOD2019_FILE2), '--population', datasetPath(IOD2019_FILE6), '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /IoD2019: loaded 32844 LSOAs in 317 local authorities/);
    const result = JSON.parse(first.stdout);
    assert.deepEqual([result.changed, result.areas, result.localAuthorities], [true, 32_844, 317]);
    const again = await cli(db, 'places', 'import-iod2019', '--domains', datasetPath(IOD2019_FILE2), '--population', datasetPath(IOD2019_FILE6), '--json');
    assert.equal(JSON.parse(again.stdout).changed, false);
    const simd = await cli(db, 'places', 'import-simd2020', '--ranks', datasetPath(SIMD2020_RANKS), '--json');
    assert.equal(JSON.parse(simd.stdout).areas, 6_976);
  });

  it('writes the IMD for all 32,844 LSOAs as CSV and JSON', async () => {
    const csv = await cli(join(dir, 'db'), 'places', 'imd', '--format', 'csv');
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'lsoa_code,score,rank,decile');
    assert.equal(lines.length, 32_845);
    const tendring = lines.find((l) => l.startsWith('E01021988,'))!.split(',');
    assert.deepEqual([tendring[2], tendring[3]], ['1', '1']);
    const ranks = lines.slice(1).map((l) => Number(l.split(',')[2])).sort((a, b) => a - b);
    assert.ok(ranks.every((r, i) => r === i + 1), 'ranks are 1..N, each once');
    const json = JSON.parse((await cli(join(dir, 'db'), 'places', 'imd', '--format', 'json')).stdout);
    assert.equal(json.length, 32_844);
    assert.deepEqual(Object.keys(json[0]), ['lsoa_code', 'score', 'rank', 'decile']);
  });

  it('writes the district summaries', async () => {
    const csv = await cli(join(dir, 'db'), 'places', 'la-summaries', '--format', 'csv');
    const lines = csv.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'lad_code,avg_score,avg_rank,proportion,extent,local_concentration');
    assert.equal(lines.length, 318);
    const json = JSON.parse((await cli(join(dir, 'db'), 'places', 'la-summaries', '--format', 'json')).stdout);
    const middlesbrough = json.find((r: { lad_code: string }) => r.lad_code === 'E06000002');
    assert.equal(middlesbrough.proportion, 42 / 86);
    const income = JSON.parse((await cli(join(dir, 'db'), 'places', 'la-summaries', '--format', 'json', '--measure', 'income')).stdout);
    assert.equal(income.length, 317);
    assert.equal(income[0].avg_score, null, 'no domain scores are published, so no average score');
    const bad = await cli(join(dir, 'db'), 'places', 'la-summaries', '--format', 'xml');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--format: Give --format csv or --format json/);
  });

  it('imports the postcode directory and ward lookup, with a progress bar, once; a bad row loads nothing; then finds places', async () => {
    const db = join(dir, 'db');
    const bad = join(dir, 'bad-nspl.csv');
    writeFileSync(bad, 'pcds,doterm,laua,lsoa11\nSR1 1AA,,E08000024,E01008703\nSR1 1AA,,E08000024,E01008703\n');
    const refused = await cli(db, 'places', 'import-postcodes', bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Data row 2 \(line 3\): SR1 1AA is given twice/);
    const none = await cli(db, 'places', 'find', 'SR1 1AE', '--json');
    assert.equal(JSON.parse(none.stdout).kind, 'postcode-unknown');
    const wards = await cli(db, 'places', 'import-wards', shippedLookup(SHIPPED_LOOKUPS.wards), '--json');
    assert.equal(wards.code, 0, wards.stderr);
    assert.equal(JSON.parse(wards.stdout).rows, 34_753);
    const env = { ...process.env, PLACES_PROGRESS: '1' };
    const withBar = await promisify(execFile)(process.execPath, [bin, 'places', 'import-postcodes', shippedLookup(SHIPPED_LOOKUPS.postcodes), '--json', '--data-dir', db], { env: { ...env, DATABASE_URL: '' } });
    assert.match(withBar.stderr, /nspl-2021-11-sr-td-fk-dg\.csv\.gz \[#{30}\] 100% /);
    assert.deepEqual([JSON.parse(withBar.stdout).changed, JSON.parse(withBar.stdout).rows], [true, 31_469]);
    const again = await cli(db, 'places', 'import-postcodes', shippedLookup(SHIPPED_LOOKUPS.postcodes), '--json');
    assert.equal(JSON.parse(again.stdout).changed, false);
    assert.match(again.stderr, /postcodes: this file is already loaded; nothing to do/);
    const found = JSON.parse((await cli(db, 'places', 'find', 'sr1', '1ae', '--json')).stdout);
    assert.equal(found.kind, 'postcode');
    assert.equal(found.area.code, 'E01008836');
    const usage = await cli(db, 'places', 'import-postcodes');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /Name one file: the postcode directory CSV/);
  });
});
