// Remembers every row of a file by a 64-bit fingerprint, to flag identical rows (the reader's own flagging; an
// import sends each line's fingerprint to the database and groups them there instead: see flagDuplicateLines). A Map of string keys costs
// ~60 bytes a row (600 MB for 10,000,000 rows); this open-addressing table costs 24 bytes a row at most
// (12 bytes a slot, at most half full). The fingerprint is two independent 32-bit multiplicative hashes of the
// cells (each cell's length is mixed in, so cells cannot run into each other), computed in one pass in
// JavaScript: an MD5 per row through node:crypto cost a fifth of the reader's time. Two different rows share
// a 64-bit fingerprint with odds of about 1 in 370,000 over 10,000,000 rows, and the cost of that would be
// one wrong "duplicate" flag, never a lost row.
/** Where `fingerprint` leaves a row's fingerprint: two unsigned 32-bit halves (reused, so nothing is allocated). */
export const FINGERPRINT = new Uint32Array(2);

/** The 64-bit fingerprint of a row's cells, into FINGERPRINT. */
export function fingerprint(fields: readonly string[]): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let f = 0; f < fields.length; f++) {
    const cell = fields[f]!;
    const n = cell.length;
    for (let i = 0; i < n; i++) {
      const c = cell.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ (n + 0x10000), 0x01000193);
    b = Math.imul(b ^ (n + 0x10000), 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final avalanche (murmur3's), so every input bit reaches the slot index taken from the low bits.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  FINGERPRINT[0] = a;
  FINGERPRINT[1] = b;
}

export class DuplicateIndex {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  private lines = new Int32Array(1 << 12); // 0 = empty slot (lines start at 1)
  private size = 0;

  /** Records a row's cells on `line`; returns the line of an earlier identical row, or null. */
  firstLineOf(fields: readonly string[], line: number): number | null {
    fingerprint(fields);
    return this.firstLineOfFingerprint(FINGERPRINT[0]!, FINGERPRINT[1]!, line);
  }

  /** The same for a row whose fingerprint (`fingerprint`) is known. */
  firstLineOfFingerprint(hi: number, lo: number, line: number): number | null {
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
