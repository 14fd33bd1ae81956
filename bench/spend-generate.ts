// One synthetic Code-format file generator for the spend benchmarks, so the reader and the import measure
// the same bytes. Deterministic (xorshift), so every run writes the same file.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** A Code-format file of n lines, one year: quoted names with commas, some amounts with £ and thousands commas. */
export async function writeCodeFile(path: string, n: number, year = 2016): Promise<void> {
  const next = random(20150601 + (year - 2016));
  const areas = ['Adult Social Care', 'Children and Young People', 'Environment', 'Housing', 'Resources', 'Public Health', 'Highways', 'Culture and Leisure'];
  const types = ['Agency Staff', 'Repairs and Maintenance', 'Consultancy', 'Transfer Payments', 'IT Software', 'Catering', 'Residential Care', 'Grants to Voluntary Bodies', 'Fuel', 'Legal Fees'];
  const suppliers = Array.from({ length: 20000 }, (_, i) => (i % 10 === 0 ? `"Supplier ${i}, Trading As ""S${i}"" Ltd"` : `SUPPLIER ${i} LIMITED`));
  const out = createWriteStream(path);
  out.write('Body Name,Body,Date,Transaction Number,Invoice Number,Net Amount,Supplier Name,Supplier ID,VAT Registration Number,Expense Area,Expense Type,Expense Code,Irrecoverable VAT,Merchant Category\r\n');
  let buffer = '';
  for (let i = 0; i < n; i++) {
    const day = 1 + Math.floor(next() * 28);
    const month = 1 + Math.floor(next() * 12);
    const pence = 50_000 + Math.floor(next() * next() * 50_000_000);
    const pounds = `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
    const amount = i % 20 === 0 ? `"£${Number(pounds).toLocaleString('en-GB', { minimumFractionDigits: 2 })}"` : pounds;
    const s = Math.floor(next() * next() * suppliers.length);
    buffer += `Anytown Council,E06000001,${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year},T${i},INV-${i % 100000},${amount},${suppliers[s]},S${s},GB${100000000 + s},${areas[i % areas.length]},${types[(i >> 3) % types.length]},${4000 + (i % 300)},N/A,Services\r\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}
