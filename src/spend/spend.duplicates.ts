// Remembers every row of a file by a 64-bit fingerprint, to flag identical rows. A Map of string keys costs
// ~60 bytes a row (600 MB for 10,000,000 rows); this open-addressing table costs 24 bytes a row at most
// (12 bytes a slot, at most half full). Two different rows share a 64-bit fingerprint with odds of about
// 1 in 370,000 over 10,000,000 rows, and the cost of that would be one wrong "duplicate" flag, never a lost row.
import { hash } from 'node:crypto';

export class DuplicateIndex {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  private lines = new Int32Array(1 << 12); // 0 = empty slot (lines start at 1)
  private size = 0;

  /** Records a row's cells on `line`; returns the line of an earlier identical row, or null. */
  firstLineOf(fields: readonly string[], line: number): number | null {
    const digest = hash('md5', fields.join('\u001f'), 'buffer');
    const hi = digest.readUInt32LE(0);
    const lo = digest.readUInt32LE(4);
    const mask = this.lines.length - 1;
    let slot = lo & mask;
    for (;;) {
      const at = this.lines[slot] ?? 0;
      if (at === 0) break;
      if (this.hi[slot] === hi && this.lo[slot] === lo) return at;
      slot = (slot + 1) & mask;
    }
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.lines[slot] = line;
    if (++this.size * 2 > this.lines.length) this.grow();
    return null;
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.lines = new Int32Array(lines.length * 2);
    const mask = this.lines.length - 1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? 0;
      if (line === 0) continue;
      let slot = (lo[i] ?? 0) & mask;
      while ((this.lines[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      this.hi[slot] = hi[i] ?? 0;
      this.lo[slot] = lo[i] ?? 0;
      this.lines[slot] = line;
    }
  }
}
