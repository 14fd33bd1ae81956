// A file's suppliers gathered as its lines stream past, so the import does not read every line back to find
// them: each supplier key with every distinct name, company number and charity number it was written with.
//
// The file's totals are not gathered here: they are grouped from its lines in SQL after the load
// (spend.repository.ts, addFileTotals). Measured on PGlite (one thread for the reader and the database),
// grouping them here made the read 40 % slower and the peak 400 MB higher.
import { detached, type SpendLine } from './spend.read.ts';

export interface FileSupplier {
  names: Set<string>;
  companies: Set<string>;
  charities: Set<string>;
}

export class FileSuppliers {
  /** Each supplier key of the file with every distinct name, company and charity number it was written with. */
  readonly suppliers = new Map<string, FileSupplier>();

  /** Counts one line of the file (its supplier key as written to spend_lines). */
  line(l: SpendLine, supplierKey: string | null): void {
    if (supplierKey === null) return;
    let s = this.suppliers.get(supplierKey);
    if (!s) {
      s = { names: new Set(), companies: new Set(), charities: new Set() };
      this.suppliers.set(detached(supplierKey), s);
    }
    // Kept to the end of the file: detached, so none keeps the chunk it was cut from alive.
    if (l.supplierName !== null && !s.names.has(l.supplierName)) s.names.add(detached(l.supplierName));
    if (l.companyNumber !== null && !s.companies.has(l.companyNumber)) s.companies.add(detached(l.companyNumber));
    if (l.charityNumber !== null && !s.charities.has(l.charityNumber)) s.charities.add(detached(l.charityNumber));
  }

  /**
   * The suppliers as column arrays for unnest, in pieces of about `size` rows; a key's rows never straddle two
   * pieces. The database takes min(name), max(company), max(charity) over a key's rows, as over its lines.
   */
  *pieces(size: number): Generator<{ key: string[]; name: (string | null)[]; company: (string | null)[]; charity: (string | null)[] }> {
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
