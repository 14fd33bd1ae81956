// A file's totals built as its lines stream past, so the import does not read every line back to group them.
// Groups are per calendar month (null: undated lines) by month, department, expense type and supplier, exactly
// the groups of writeFileTotals' GROUPING SETS. Sums are BigInt, so they are exact whatever the file holds.
//
// A supplier's label is the least of its names in the database's collation, so it is not chosen here: every
// distinct name of a group is sent, and the database takes min() as it did when it grouped the lines.
import type { SpendLine } from './spend.read.ts';

export type Dimension = 'month' | 'department' | 'purpose' | 'supplier';

export interface FileTotalGroup {
  dimension: Dimension;
  month: string | null;
  key: string | null;
  lines: number;
  pence: bigint;
  /** Every distinct label seen in the group (one, except for suppliers published under several names). */
  labels: Set<string | null>;
}

const NULL = '\u0001';

export class FileTotalsBuilder {
  readonly groups = new Map<string, FileTotalGroup>();

  private add(dimension: Dimension, month: string | null, key: string | null, label: string | null, pence: bigint): void {
    const id = `${dimension}\u0000${month ?? NULL}\u0000${key ?? NULL}`;
    let g = this.groups.get(id);
    if (!g) {
      g = { dimension, month, key, lines: 0, pence: 0n, labels: new Set() };
      this.groups.set(id, g);
    }
    g.lines += 1;
    g.pence += pence;
    if (!g.labels.has(label)) g.labels.add(label);
  }

  /** Each supplier key of the file with every distinct name, company and charity number it was written with. */
  readonly suppliers = new Map<string, { names: Set<string>; companies: Set<string>; charities: Set<string> }>();

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
    const month = l.date === null ? null : `${l.date.slice(0, 8)}01`;
    this.add('month', month, null, null, l.netPence);
    this.add('department', month, l.department, l.department, l.netPence);
    this.add('purpose', month, l.purpose, l.purpose, l.netPence);
    this.add('supplier', month, supplierKey, l.supplierName, l.netPence);
  }

  /**
   * The groups as column arrays for unnest, in pieces of about `size` rows; a group's rows (one a label) never
   * straddle two pieces. The first row of a group carries its lines and pence, the others zero.
   */
  *pieces(size: number): Generator<{ dimension: string[]; month: (string | null)[]; key: (string | null)[]; label: (string | null)[]; lines: number[]; pence: string[] }> {
    let piece = { dimension: [] as string[], month: [] as (string | null)[], key: [] as (string | null)[], label: [] as (string | null)[], lines: [] as number[], pence: [] as string[] };
    for (const g of this.groups.values()) {
      let first = true;
      for (const label of g.labels) {
        piece.dimension.push(g.dimension);
        piece.month.push(g.month);
        piece.key.push(g.key);
        piece.label.push(label);
        piece.lines.push(first ? g.lines : 0);
        piece.pence.push(first ? g.pence.toString() : '0');
        first = false;
      }
      if (piece.dimension.length >= size) {
        yield piece;
        piece = { dimension: [], month: [], key: [], label: [], lines: [], pence: [] };
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
