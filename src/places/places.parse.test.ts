import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ParseError, parseIod2019Domains, parseIod2019Population, parseSimd2020Ranks } from './places.parse.ts';
import {
  FILE2_HEADER,
  IOD2019_FILE2,
  datasetPath,
  loadIod2019Domains,
  loadIod2019Population,
  loadSimd2020,
} from './places.test-data.ts';


function file2(...rows: string[]): string {
  return [FILE2_HEADER, ...rows].join('\r\n');
}

/** Expects a ParseError at this line and column whose message names both and matches `detail`. */
function parseErrorAt(line: number, column: number, detail: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ParseError, `expected a ParseError, got ${String(error)}`);
    assert.equal(error.line, line);
    assert.equal(error.column, column);
    assert.ok(error.message.startsWith(`line ${line}, column ${column}: `), error.message);
    assert.match(error.detail, detail);
    return true;
  };
}

describe('parseIod2019Domains', () => {
  it('reads all 32,844 LSOAs of the published File 2 (gzip, byte-order mark) from a stream', async () => {
    const rows = await loadIod2019Domains();
    assert.equal(rows.length, 32_844);
    assert.deepEqual(rows[0], {
      lsoaCode: 'E01000001',
      lsoaName: 'City of London 001A',
      ladCode: 'E09000001',
      ladName: 'City of London',
      publishedImdRank: 29_199,
      publishedImdDecile: 9,
      ranks: {
        income: 32_831,
        employment: 32_742,
        education: 32_842,
        health: 32_113,
        crime: 32_662,
        barriers: 7_319,
        livingEnvironment: 7_789,
      },
    });
    assert.equal(new Set(rows.map((r) => r.ladCode)).size, 317);
    const hull = rows.find((r) => r.lsoaCode === 'E01012756');
    assert.equal(hull?.ladName, 'Kingston upon Hull, City of', 'quoted name with a comma');
  });

  it('reads the same rows from a Buffer as from a stream', async () => {
    const fromBuffer = await parseIod2019Domains(readFileSync(datasetPath(IOD2019_FILE2)));
    assert.deepEqual(fromBuffer, await loadIod2019Domains());
  });

  it('finds columns by name in any order and accepts thousands commas', async () => {
    const header = FILE2_HEADER.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    const row = ['E01000002', 'Somewhere 001B', 'E09000001', 'Somewhere', '"1,000"', '1', '1', '2', '1', '2', '1', '2', '1'];
    const otherRow = ['E01000001', 'Somewhere 001A', 'E09000001', 'Somewhere', '2', '1', '2', '1', '2', '1', '2', '1', '2'];
    const order = [12, 0, 5, 3, 1, 7, 9, 11, 2, 4, 6, 8, 10];
    const reorder = (fields: string[]) => order.map((k) => fields[k]).join(',');
    const text = [reorder(header), reorder(otherRow), reorder(row)].join('\n');
    await assert.rejects(parseIod2019Domains(text), /rank 1000 is out of range: the file has 2 areas/);
    const ok = text.replace('"1,000"', '1');
    const rows = await parseIod2019Domains(gzipSync(ok));
    assert.equal(rows[1]?.lsoaCode, 'E01000002');
    assert.equal(rows[1]?.publishedImdRank, 1);
    assert.equal(rows[1]?.ranks.employment, 2);
  });

  it('names a missing column', async () => {
    const text = file2('E01000001,A,E09000001,L,1,1,1,1,1,1,1,1,1').replace('Crime Rank', 'Crim Rank');
    await assert.rejects(parseIod2019Domains(text), parseErrorAt(1, 0, /the header has no column for the Crime rank/));
  });

  it('names the line and column of a non-numeric rank', async () => {
    const text = file2('E01000001,A,E09000001,L,1,1,1,1,1,1,1,1,1', 'E01000002,B,E09000001,L,2,1,2,2,n/a,2,2,2,2');
    await assert.rejects(
      parseIod2019Domains(text),
      parseErrorAt(3, 9, /^"n\/a" is not a number \(column "Education, Skills and Training Rank/),
    );
  });

  it('rejects a rank of zero, a fractional rank and a rank above the number of areas', async () => {
    const good = 'E01000001,A,E09000001,L,1,1,1,1,1,1,1,1,1';
    await assert.rejects(
      parseIod2019Domains(file2(good, 'E01000002,B,E09000001,L,2,1,0,2,2,2,2,2,2')),
      parseErrorAt(3, 7, /rank 0 is out of range/),
    );
    await assert.rejects(
      parseIod2019Domains(file2(good, 'E01000002,B,E09000001,L,2,1,2,2,2,2.5,2,2,2')),
      parseErrorAt(3, 10, /2.5 is not a whole number rank/),
    );
    await assert.rejects(
      parseIod2019Domains(file2(good, 'E01000002,B,E09000001,L,2,1,2,2,2,2,2,2,3')),
      parseErrorAt(3, 13, /rank 3 is out of range: the file has 2 areas/),
    );
  });

  it('rejects a duplicate LSOA code, naming both lines', async () => {
    const text = file2('E01000001,A,E09000001,L,1,1,1,1,1,1,1,1,1', 'E01000001,A,E09000001,L,2,1,2,2,2,2,2,2,2');
    await assert.rejects(parseIod2019Domains(text), parseErrorAt(3, 1, /area code E01000001 appears twice \(first on line 2\)/));
  });

  it('rejects a short row and a malformed code', async () => {
    await assert.rejects(
      parseIod2019Domains(file2('E01000001,A,E09000001,L,1,1,1,1,1,1,1,1')),
      parseErrorAt(2, 13, /expected 13 fields as in the header, found 12/),
    );
    await assert.rejects(
      parseIod2019Domains(file2('S01000001,A,E09000001,L,1,1,1,1,1,1,1,1,1')),
      parseErrorAt(2, 1, /"S01000001" is not a valid LSOA \(2011\) code/),
    );
  });

  it('rejects corrupt and truncated gzip data', async () => {
    const bytes = readFileSync(datasetPath(IOD2019_FILE2));
    const corrupt = Buffer.from(bytes);
    for (let i = 5000; i < 5100; i++) corrupt[i] = (corrupt[i] ?? 0) ^ 0x5a;
    await assert.rejects(parseIod2019Domains(corrupt), (error: unknown) => {
      assert.ok(error instanceof ParseError);
      assert.match(error.message, /^line \d+, column 0: could not read the file: the gzip data is corrupt or truncated/);
      return true;
    });
    const truncated = bytes.subarray(0, bytes.length - 1000);
    await assert.rejects(parseIod2019Domains(truncated), /gzip data is corrupt or truncated/);
  });

  it('rejects an empty file', async () => {
    await assert.rejects(parseIod2019Domains(''), parseErrorAt(1, 0, /the file is empty/));
  });
});

describe('parseIod2019Population', () => {
  it('reads File 6 with thousands commas in the counts', async () => {
    const rows = await loadIod2019Population();
    assert.equal(rows.length, 32_844);
    assert.deepEqual(rows[0], { lsoaCode: 'E01000001', ladCode: 'E09000001', population: 1_296 });
    assert.equal(
      rows.reduce((sum, r) => sum + r.population, 0),
      54_728_204,
    );
  });

  it('rejects a negative or fractional population with its line and column', async () => {
    const header = 'LSOA code (2011),Local Authority District code (2019),Total population: mid 2015 (excluding prisoners)';
    await assert.rejects(
      parseIod2019Population(`${header}\nE01000001,E09000001,"1,2.5"`),
      parseErrorAt(2, 3, /"1,2.5" is not a number/),
    );
    await assert.rejects(
      parseIod2019Population(`${header}\nE01000001,E09000001,12.5`),
      parseErrorAt(2, 3, /12.5 is not a whole number of people/),
    );
  });
});

describe('parseSimd2020Ranks', () => {
  it('reads all 6,976 data zones, with tied domain ranks as halves', async () => {
    const rows = await loadSimd2020();
    assert.equal(rows.length, 6_976);
    const culter = rows.find((r) => r.dataZone === 'S01006508');
    assert.equal(culter?.ranks.crime, 4_563.5);
    assert.equal(culter?.publishedRank, 5_686);
    assert.equal(new Set(rows.map((r) => r.councilArea)).size, 32);
  });

  it('rejects a quarter rank and a missing domain column', async () => {
    const header =
      'Data_Zone,Intermediate_Zone,Council_area,Total_population,Working_age_population,SIMD2020v2_Rank,' +
      'SIMD2020v2_Income_Domain_Rank,SIMD2020_Employment_Domain_Rank,SIMD2020_Health_Domain_Rank,' +
      'SIMD2020_Education_Domain_Rank,SIMD2020_Access_Domain_Rank,SIMD2020_Crime_Domain_Rank,SIMD2020_Housing_Domain_Rank';
    await assert.rejects(
      parseSimd2020Ranks(`${header}\nS01006506,Culter,Aberdeen City,894,580,1,1,1,1,1,1,1.25,1`),
      parseErrorAt(2, 12, /1.25 is not a whole or half number rank \(column "SIMD2020_Crime_Domain_Rank"\)/),
    );
    await assert.rejects(
      parseSimd2020Ranks(header.replace(',SIMD2020_Access_Domain_Rank', '')),
      parseErrorAt(1, 0, /no column for the SIMD access domain rank/),
    );
  });
});

describe('parsing a stream that fails', () => {
  it('passes on the stream error itself rather than blaming the file', async () => {
    await assert.rejects(parseIod2019Domains(createReadStream(datasetPath('no-such-file.csv'))), (error: unknown) => {
      assert.ok(!(error instanceof ParseError));
      assert.equal((error as { code?: string }).code, 'ENOENT');
      return true;
    });
  });
});
