// A file's totals built as its lines stream past, so the import does not read every line back to group them.
// Groups are per calendar month (null: undated lines) by month, department, expense type and supplier, exactly
// the groups of writeFileTotals' GROUPING SETS. Sums are numbers, exact while the sum of every amount's size stays
// within 2^53 pence (`exact`); a file beyond that is grouped in SQL instead.
//
// A supplier's label is the least of its names in the database's collation, so it is not chosen here: every
// distinct name of a group is sent, and the database takes min() as it did when it grouped the lines.
import type { SpendLine } from './spend.read.ts';

export interface FileTotalGroup {
  lines: number;
  pence: number;
}

interface SupplierGroup extends FileTotalGroup {
  /** Every distinct name the supplier's lines carry in this month (usually one). */
  labels: Set<string | null>;
}

interface MonthGroups {
  all: FileTotalGroup;
  department: Map<string | null, FileTotalGroup>;
  purpose: Map<string | null, FileTotalGroup>;
  supplier: Map<string | null, SupplierGroup>;
}

/**
 * Beyond this, sums of pence as JavaScript numbers might not be exact: the caller groups the lines in SQL. Half
 * of 2^53, leaving room for the rounding of the running sum of sizes itself.
 */
const EXACT = 2 ** 52;

export class FileTotalsBuilder {
  /** Groups by month (null: undated lines), then by each dimension's value; lookups allocate nothing. */
  private readonly months = new Map<string | null, MonthGroups>();
  private readonly monthOf = new Map<string, string>();
  private absolute = 0;

  /** False when no totals were gathered, or the file's amounts are too large for exact sums here. */
  get exact(): boolean {
    return this.options.totals && this.absolute <= EXACT;
  }

  /** Each supplier key of the file with every distinct name, company and charity number it was written with. */
  readonly suppliers = new Map<string, { names: Set<string>; companies: Set<string>; charities: Set<string> }>();

  /**
   * `totals: false` gathers only the suppliers. Measured on PGlite (one thread for reader and database), gathering
   * the totals here made the read 40 % slower and the peak 400 MB higher than grouping the lines in SQL after.
   */
  constructor(private readonly options: { totals: boolean } = { totals: true }) {}

  /** Counts one line of the file (its supplier key as written to spend_lines). */
  line(l: SpendLine, supplierKey: string | null): void {
    if (supplierKey !== null) {
      let s = this.suppliers.get(supplierKey);
      if (!s) {
        s = { names: new Set(), companies: new Set(), charities: new Set() };
        this.suppliers.set(supplierKey, s);
      }
      if (l.supplierName !== null && !s.names.has(l.supplierName)) s.names.add(l.supplierName);
      if (l.companyNumber !== null && !s.companies.has(l.companyNumber)) s.companies.add(l.companyNumber);
      if (l.charityNumber !== null && !s.charities.has(l.charityNumber)) s.charities.add(l.charityNumber);
    }
    if (!this.options.totals) return;
    const pence = Number(l.netPence);
    this.absolute += Math.abs(pence);
    let month: string | null = null;
    if (l.date !== null) {
      month = this.monthOf.get(l.date) ?? null;
      if (month === null) {
        month = `${l.date.slice(0, 8)}01`;
        if (this.monthOf.size < 100_000) this.monthOf.set(l.date, month);
      }
    }
    let m = this.months.get(month);
    if (!m) {
      m = { all: { lines: 0, pence: 0 }, department: new Map(), purpose: new Map(), supplier: new Map() };
      this.months.set(month, m);
    }
    m.all.lines += 1;
    m.all.pence += pence;
    let g = m.department.get(l.department);
    if (!g) m.department.set(l.department, (g = { lines: 0, pence: 0 }));
    g.lines += 1;
    g.pence += pence;
    g = m.purpose.get(l.purpose);
    if (!g) m.purpose.set(l.purpose, (g = { lines: 0, pence: 0 }));
    g.lines += 1;
    g.pence += pence;
    let s = m.supplier.get(supplierKey);
    if (!s) m.supplier.set(supplierKey, (s = { lines: 0, pence: 0, labels: new Set() }));
    s.lines += 1;
    s.pence += pence;
    if (!s.labels.has(l.supplierName)) s.labels.add(l.supplierName);
  }

  /**
   * The groups as column arrays for unnest, in pieces of about `size` rows; a group's rows (one a label) never
   * straddle two pieces. The first row of a group carries its lines and pence, the others zero.
   */
  *pieces(size: number): Generator<{ dimension: string[]; month: (string | null)[]; key: (string | null)[]; label: (string | null)[]; lines: number[]; pence: string[] }> {
    const empty = () => ({ dimension: [] as string[], month: [] as (string | null)[], key: [] as (string | null)[], label: [] as (string | null)[], lines: [] as number[], pence: [] as string[] });
    let piece = empty();
    const push = (dimension: string, month: string | null, key: string | null, label: string | null, lines: number, pence: number) => {
      piece.dimension.push(dimension);
      piece.month.push(month);
      piece.key.push(key);
      piece.label.push(label);
      piece.lines.push(lines);
      piece.pence.push(String(pence));
    };
    for (const [month, m] of this.months) {
      push('month', month, null, null, m.all.lines, m.all.pence);
      for (const [key, g] of m.department) push('department', month, key, key, g.lines, g.pence);
      for (const [key, g] of m.purpose) push('purpose', month, key, key, g.lines, g.pence);
      for (const [key, g] of m.supplier) {
        let first = true;
        for (const label of g.labels) {
          push('supplier', month, key, label, first ? g.lines : 0, first ? g.pence : 0);
          first = false;
        }
        if (piece.dimension.length >= size) {
          yield piece;
          piece = empty();
        }
      }
      if (piece.dimension.length >= size) {
        yield piece;
        piece = empty();
      }
    }
    if (piece.dimension.length) yield piece;
  }

  /**
   * The suppliers as column arrays for unnest, in pieces of about `size` rows; a key's rows never straddle two
   * pieces. The database takes min(name), max(company), max(charity) over a key's rows, as over its lines.
   */
  *supplierPieces(size: number): Generator<{ key: string[]; name: (string | null)[]; company: (string | null)[]; charity: (string | null)[] }> {
    let piece = { key: [] as string[], name: [] as (string | null)[], company: [] as (string | null)[], charity: [] as (string | null)[] };
    for (const [key, s] of this.suppliers) {
      const names = [...s.names];
      const companies = [...s.companies];
      const charities = [...s.charities];
      const n = Math.max(1, names.length, companies.length, charities.length);
      for (let i = 0; i < n; i++) {
        piece.key.push(key);
        piece.name.push(names[i] ?? null);
        piece.company.push(companies[i] ?? null);
        piece.charity.push(charities[i] ?? null);
      }
      if (piece.key.length >= size) {
        yield piece;
        piece = { key: [], name: [], company: [], charity: [] };
      }
    }
    if (piece.key.length) yield piece;
  }
}
