// Parsers for the published deprivation files. Columns are found by their header names, never by position,
// because publishers reorder and add columns between releases. Every value is checked as it is read, and
// whole-file rules (duplicate codes, ranks within 1..N) once the row count N is known;
// either way the error names the line and column so a person can find it in the file.
import { readCsvRecords, type CsvRecord, type CsvSource } from './places.csv.ts';
import { ParseError } from './places.errors.ts';
import {
  IMD_DOMAINS,
  SIMD_DOMAINS,
  type ImdDomain,
  type Iod2019DomainRow,
  type Iod2019PopulationRow,
  type Simd2020Row,
  type SimdDomain,
} from './places.types.ts';

export { ParseError } from './places.errors.ts';
export type { CsvSource } from './places.csv.ts';

interface ColumnSpec {
  /** How the column is named in messages. */
  readonly label: string;
  /** Tested against the header lower-cased with runs of white space collapsed. */
  readonly matches: (header: string) => boolean;
}

type Columns<K extends string> = Readonly<Record<K, number>>;

function normaliseHeader(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

function startsWith(prefix: string): (header: string) => boolean {
  return (header) => header.startsWith(prefix);
}

/** Finds each wanted column in the header record; a missing or ambiguous column is an error. */
function locateColumns<K extends string>(header: CsvRecord, specs: Readonly<Record<K, ColumnSpec>>): Columns<K> {
  const names = header.fields.map(normaliseHeader);
  const found: Partial<Record<K, number>> = {};
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    const hits = names.flatMap((name, index) => (spec.matches(name) ? [index] : []));
    const [firstHit, secondHit] = hits;
    if (firstHit === undefined) {
      throw new ParseError(header.line, 0, `the header has no column for ${spec.label}`);
    }
    if (secondHit !== undefined) {
      throw new ParseError(header.line, secondHit + 1, `more than one column could be ${spec.label}`);
    }
    found[key] = firstHit;
  }
  return found as Columns<K>;
}

/** Reads one record's field, checking the record is as wide as the header. */
class RowReader {
  constructor(
    private readonly headerFields: readonly string[],
    private record: CsvRecord,
  ) {}

  use(record: CsvRecord): this {
    if (record.fields.length !== this.headerFields.length) {
      throw new ParseError(
        record.line,
        Math.min(record.fields.length, this.headerFields.length) + 1,
        `expected ${this.headerFields.length} fields as in the header, found ${record.fields.length}`,
      );
    }
    this.record = record;
    return this;
  }

  get line(): number {
    return this.record.line;
  }

  fail(index: number, problem: string): never {
    const name = this.headerFields[index] ?? '';
    throw new ParseError(this.record.line, index + 1, `${problem} (column "${name.trim()}")`);
  }

  text(index: number): string {
    return (this.record.fields[index] ?? '').trim();
  }

  code(index: number, pattern: RegExp, what: string): string {
    const value = this.text(index);
    if (!pattern.test(value)) this.fail(index, `${JSON.stringify(value)} is not a valid ${what}`);
    return value;
  }

  /** A number as publishers write it: optional thousands commas ("1,296"), optional decimals. */
  number(index: number): number {
    const raw = this.text(index);
    const plain = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw) ? raw.replaceAll(',', '') : raw;
    if (!/^-?\d+(\.\d+)?$/.test(plain)) this.fail(index, `${JSON.stringify(raw)} is not a number`);
    return Number(plain);
  }

  count(index: number): number {
    const value = this.number(index);
    if (!Number.isSafeInteger(value) || value < 0) this.fail(index, `${value} is not a whole number of people`);
    return value;
  }

  /** A rank: a positive whole number, or (where ties are averaged) a positive multiple of ½. */
  rank(index: number, allowHalves: boolean): number {
    const value = this.number(index);
    const ok = allowHalves ? Number.isInteger(value * 2) : Number.isInteger(value);
    if (!ok) this.fail(index, `${value} is not a ${allowHalves ? 'whole or half' : 'whole'} number rank`);
    if (value < 1) this.fail(index, `rank ${value} is out of range (ranks start at 1)`);
    return value;
  }

  decile(index: number): number {
    const value = this.number(index);
    if (!Number.isInteger(value) || value < 1 || value > 10) this.fail(index, `${value} is not a decile (1 to 10)`);
    return value;
  }
}

/** Remembers where each code was first seen, to reject a second row for the same area. */
class CodeRegister {
  private readonly seen = new Map<string, number>();

  add(reader: RowReader, index: number, code: string): void {
    const earlier = this.seen.get(code);
    if (earlier !== undefined) reader.fail(index, `area code ${code} appears twice (first on line ${earlier})`);
    this.seen.set(code, reader.line);
  }
}

/** A rank column's values with the line each came from, checked once the number of rows N is known. */
class RankColumn {
  private readonly values: number[] = [];
  private readonly lines: number[] = [];

  constructor(
    private readonly index: number,
    private readonly header: string,
  ) {}

  add(value: number, line: number): void {
    this.values.push(value);
    this.lines.push(line);
  }

  check(n: number): void {
    for (let k = 0; k < this.values.length; k++) {
      const value = this.values[k] ?? 0;
      const line = this.lines[k] ?? 0;
      if (value > n) {
        throw new ParseError(line, this.index + 1, `rank ${value} is out of range: the file has ${n} areas (column "${this.header}")`);
      }
    }
  }
}

async function withHeader<T>(
  source: CsvSource,
  what: string,
  read: (header: CsvRecord, records: AsyncIterator<CsvRecord>) => Promise<T>,
): Promise<T> {
  const records = readCsvRecords(source);
  const first = await records.next();
  if (first.done === true) throw new ParseError(1, 0, `the file is empty; expected ${what}`);
  return read(first.value, records);
}

async function* rest(records: AsyncIterator<CsvRecord>): AsyncGenerator<CsvRecord> {
  for (let next = await records.next(); next.done !== true; next = await records.next()) yield next.value;
}

const LSOA_2011 = /^E01\d{6}$/;
const LAD_2019 = /^E0[6-9]\d{6}$/;
const DATA_ZONE_2011 = /^S01\d{6}$/;

const IOD_DOMAIN_COLUMNS: Readonly<Record<ImdDomain, ColumnSpec>> = {
  income: { label: 'the Income rank', matches: startsWith('income rank') },
  employment: { label: 'the Employment rank', matches: startsWith('employment rank') },
  education: { label: 'the Education, Skills and Training rank', matches: startsWith('education, skills and training rank') },
  health: { label: 'the Health Deprivation and Disability rank', matches: startsWith('health deprivation and disability rank') },
  crime: { label: 'the Crime rank', matches: startsWith('crime rank') },
  barriers: { label: 'the Barriers to Housing and Services rank', matches: startsWith('barriers to housing and services rank') },
  livingEnvironment: { label: 'the Living Environment rank', matches: startsWith('living environment rank') },
};

const IOD_FILE2_COLUMNS = {
  lsoaCode: { label: 'the LSOA code', matches: startsWith('lsoa code') },
  lsoaName: { label: 'the LSOA name', matches: startsWith('lsoa name') },
  ladCode: { label: 'the local authority district code', matches: startsWith('local authority district code') },
  ladName: { label: 'the local authority district name', matches: startsWith('local authority district name') },
  imdRank: { label: 'the IMD rank', matches: startsWith('index of multiple deprivation (imd) rank') },
  imdDecile: { label: 'the IMD decile', matches: startsWith('index of multiple deprivation (imd) decile') },
  ...IOD_DOMAIN_COLUMNS,
} satisfies Record<string, ColumnSpec>;

/**
 * Parses IoD2019 File 2 ("domain ranks and deciles", one row per 2011 LSOA). Accepts gzip or plain, with or
 * without a byte-order mark, from text, bytes or a stream. Ranks must be whole numbers within 1..N. They need
 * not be distinct: the published file gives tied scores the same (lowest) rank and skips the next, e.g. two
 * LSOAs share IMD rank 30,326 and none has 30,327. Throws {@link ParseError}.
 */
export async function parseIod2019Domains(source: CsvSource): Promise<Iod2019DomainRow[]> {
  return withHeader(source, 'IoD2019 File 2', async (header, records) => {
    const col = locateColumns(header, IOD_FILE2_COLUMNS);
    const reader = new RowReader(header.fields, header);
    const codes = new CodeRegister();
    const rankColumns = (['imdRank', ...IMD_DOMAINS] as const).map(
      (key) => new RankColumn(col[key], header.fields[col[key]] ?? key),
    );
    const rows: Iod2019DomainRow[] = [];
    for await (const record of rest(records)) {
      const row = reader.use(record);
      const lsoaCode = row.code(col.lsoaCode, LSOA_2011, 'LSOA (2011) code');
      codes.add(row, col.lsoaCode, lsoaCode);
      const ranks = {} as Record<ImdDomain, number>;
      for (const domain of IMD_DOMAINS) ranks[domain] = row.rank(col[domain], false);
      const parsed: Iod2019DomainRow = {
        lsoaCode,
        lsoaName: row.text(col.lsoaName),
        ladCode: row.code(col.ladCode, LAD_2019, 'local authority district (2019) code'),
        ladName: row.text(col.ladName),
        publishedImdRank: row.rank(col.imdRank, false),
        publishedImdDecile: row.decile(col.imdDecile),
        ranks,
      };
      rankColumns[0]?.add(parsed.publishedImdRank, row.line);
      IMD_DOMAINS.forEach((domain, k) => rankColumns[k + 1]?.add(ranks[domain], row.line));
      rows.push(parsed);
    }
    for (const column of rankColumns) column.check(rows.length);
    return rows;
  });
}

const IOD_FILE6_COLUMNS = {
  lsoaCode: { label: 'the LSOA code', matches: startsWith('lsoa code') },
  ladCode: { label: 'the local authority district code', matches: startsWith('local authority district code') },
  population: { label: 'the total population', matches: startsWith('total population') },
} satisfies Record<string, ColumnSpec>;

/**
 * Parses IoD2019 File 6 (population denominators): LSOA code, district code and total population
 * (mid-2015, excluding prisoners), the weights the IoD uses for its area summaries. Throws {@link ParseError}.
 */
export async function parseIod2019Population(source: CsvSource): Promise<Iod2019PopulationRow[]> {
  return withHeader(source, 'IoD2019 File 6', async (header, records) => {
    const col = locateColumns(header, IOD_FILE6_COLUMNS);
    const reader = new RowReader(header.fields, header);
    const codes = new CodeRegister();
    const rows: Iod2019PopulationRow[] = [];
    for await (const record of rest(records)) {
      const row = reader.use(record);
      const lsoaCode = row.code(col.lsoaCode, LSOA_2011, 'LSOA (2011) code');
      codes.add(row, col.lsoaCode, lsoaCode);
      rows.push({
        lsoaCode,
        ladCode: row.code(col.ladCode, LAD_2019, 'local authority district (2019) code'),
        population: row.count(col.population),
      });
    }
    return rows;
  });
}

function simdRankColumn(domain: string): ColumnSpec {
  const pattern = new RegExp(`^simd20\\d\\d(v\\d+)?_${domain}_domain_rank$`);
  return { label: `the SIMD ${domain} domain rank`, matches: (header) => pattern.test(header) };
}

const SIMD_DOMAIN_COLUMNS: Readonly<Record<SimdDomain, ColumnSpec>> = {
  income: simdRankColumn('income'),
  employment: simdRankColumn('employment'),
  health: simdRankColumn('health'),
  education: simdRankColumn('education'),
  access: simdRankColumn('access'),
  crime: simdRankColumn('crime'),
  housing: simdRankColumn('housing'),
};

const SIMD_COLUMNS = {
  dataZone: { label: 'the data zone code', matches: (h: string) => h === 'data_zone' || h === 'datazone' },
  intermediateZone: { label: 'the intermediate zone', matches: (h: string) => h === 'intermediate_zone' || h === 'intzone' },
  councilArea: { label: 'the council area', matches: (h: string) => h === 'council_area' || h === 'council' },
  population: { label: 'the total population', matches: (h: string) => h === 'total_population' },
  workingAgePopulation: { label: 'the working age population', matches: (h: string) => h === 'working_age_population' },
  rank: { label: 'the overall SIMD rank', matches: (h: string) => /^simd20\d\d(v\d+)?_rank$/.test(h) },
  ...SIMD_DOMAIN_COLUMNS,
} satisfies Record<string, ColumnSpec>;

/**
 * Parses the SIMD 2020v2 ranks file (one row per 2011 data zone): overall and seven domain ranks, where tied
 * domain ranks are published as averages (e.g. 4563.5). Throws {@link ParseError}.
 */
export async function parseSimd2020Ranks(source: CsvSource): Promise<Simd2020Row[]> {
  return withHeader(source, 'the SIMD 2020 ranks file', async (header, records) => {
    const col = locateColumns(header, SIMD_COLUMNS);
    const reader = new RowReader(header.fields, header);
    const codes = new CodeRegister();
    const rankColumns = (['rank', ...SIMD_DOMAINS] as const).map(
      (key) => new RankColumn(col[key], header.fields[col[key]] ?? key),
    );
    const rows: Simd2020Row[] = [];
    for await (const record of rest(records)) {
      const row = reader.use(record);
      const dataZone = row.code(col.dataZone, DATA_ZONE_2011, 'data zone (2011) code');
      codes.add(row, col.dataZone, dataZone);
      const ranks = {} as Record<SimdDomain, number>;
      for (const domain of SIMD_DOMAINS) ranks[domain] = row.rank(col[domain], true);
      const parsed: Simd2020Row = {
        dataZone,
        intermediateZone: row.text(col.intermediateZone),
        councilArea: row.text(col.councilArea),
        population: row.count(col.population),
        workingAgePopulation: row.count(col.workingAgePopulation),
        publishedRank: row.rank(col.rank, true),
        ranks,
      };
      rankColumns[0]?.add(parsed.publishedRank, row.line);
      SIMD_DOMAINS.forEach((domain, k) => rankColumns[k + 1]?.add(ranks[domain], row.line));
      rows.push(parsed);
    }
    for (const column of rankColumns) column.check(rows.length);
    return rows;
  });
}
