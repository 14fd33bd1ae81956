import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../platform/testing.ts';
import { proportionLimits, ratioLimits } from './scorecards.stats.ts';

// The funnel command opens no database, so it runs the same whatever the engine.
describe('commonweal scorecards funnel', () => {
  let dir = '';
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const run = (...args: string[]) => runCli(['scorecards', 'funnel', ...args], {});
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-funnel-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly target and rows with limits and significance as JSON, the target pooled', async () => {
    const path = file('p.csv', 'unit,numerator,denominator\nA,50,100\nB,500,1000\nC,900,1000\nD,4,10\n');
    const r = await run(path, '--statistic', 'proportion', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['target', 'rows']);
    assert.equal(out.target, 1454 / 2110);
    assert.deepEqual(Object.keys(out.rows[0]), ['unit', 'value', 'lower95', 'upper95', 'lower998', 'upper998', 'significance']);
    assert.deepEqual(out.rows.map((x: { significance: string }) => x.significance), ['low-99.8', 'low-99.8', 'high-99.8', 'low-95']);
    const limits = proportionLimits(1454 / 2110, 100);
    assert.equal(out.rows[0].lower95, limits.lower95);
    assert.equal(out.rows[0].value, 0.5);
  });

  it('uses --target and exact Poisson limits for ratios', async () => {
    const path = file('r.csv', 'unit,observed,expected\nNorth,130,100\nSouth,95,100\n');
    const r = await run(path, '--statistic', 'ratio', '--target', '1', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.target, 1);
    assert.equal(out.rows[0].upper95, ratioLimits(1, 100).upper95);
    assert.deepEqual(out.rows.map((x: { significance: string }) => x.significance), ['high-95', 'as-expected']);
  });

  it('widens the limits with --overdispersion', async () => {
    const lines = ['unit,numerator,denominator', ...Array.from({ length: 40 }, (_, i) => `u${i},${300 + (i % 10) * 40},1000`)];
    const path = file('od.csv', lines.join('\n'));
    const plain = JSON.parse((await run(path, '--statistic', 'proportion', '--json')).stdout);
    const wide = JSON.parse((await run(path, '--statistic', 'proportion', '--overdispersion', '--json')).stdout);
    assert.ok(wide.rows[0].upper95 > plain.rows[0].upper95);
  });

  it('prints CSV without --json', async () => {
    const path = file('c.csv', 'unit,numerator,denominator\n"=cmd",1,2\nB,1,2\n');
    const r = await run(path, '--statistic', 'proportion');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\r\n');
    assert.equal(lines[0], 'unit,value,lower95,upper95,lower998,upper998,significance');
    assert.match(lines[1]!, /^"'=cmd",0\.5,/);
    assert.match(r.stderr, /^target 0\.5/);
  });

  it('names the line and column of bad input, prints no result and exits 1', async () => {
    const path = file('bad.csv', 'unit,observed,expected\nA,3,0\nB,-1,4\n');
    const r = await run(path, '--statistic', 'ratio', '--json');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const e = JSON.parse(r.stderr);
    assert.equal(e.code, 'validation_failed');
    assert.deepEqual(e.errors, [
      { field: 'expected', message: 'Line 2 (A): the expected count is 0; it must be more than 0' },
      { field: 'observed', message: 'Line 3 (B): the observed count is -1; a count cannot be negative' },
    ]);
  });

  it('refuses a missing file, a missing statistic and a bad target', async () => {
    const path = file('ok.csv', 'unit,numerator,denominator\nA,1,2\n');
    let r = await run(join(dir, 'nope.csv'), '--statistic', 'proportion');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Cannot read .*nope\.csv: ENOENT/);
    r = await run(path);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Choose the statistic: proportion or ratio/);
    r = await run(path, '--statistic', 'proportion', '--target', '1.5');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /between 0 and 1/);
  });
});
