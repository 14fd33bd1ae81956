import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapColumns, normaliseHeader, recognisedHeaderCount, type SpendField, type SpendMapping } from './spend.mapping.ts';
import { sniffSample } from './spend.sniff.ts';

function mapText(text: string, override = {}): SpendMapping {
  const s = sniffSample(Buffer.from(text, 'utf8'), { complete: true, compression: 'none' });
  return mapColumns(s.columns, s.sample, override);
}

const headerOf = (m: SpendMapping, field: SpendField): string | undefined => m.fields[field]?.header;

describe('normaliseHeader', () => {
  it('folds case, punctuation, camelCase and one-letter misspellings', () => {
    assert.equal(normaliseHeader('Expenditure Catergory'), 'expenditure category');
    assert.equal(normaliseHeader('Directotate'), 'directorate');
    assert.equal(normaliseHeader('Service divison label'), 'service division label');
    assert.equal(normaliseHeader('Supplier(Beneficiary) Name'), 'supplier beneficiary name');
    assert.equal(normaliseHeader('SupplierName'), 'supplier name');
    assert.equal(normaliseHeader('TransNo'), 'trans no');
    assert.equal(normaliseHeader('SeRCOP Expenditure Code'), 'sercop expenditure code');
    assert.equal(normaliseHeader('Spend Level2'), 'spend level 2');
    assert.equal(normaliseHeader('Cap/Rev'), 'cap rev');
  });

  it('counts recognised header names', () => {
    assert.equal(recognisedHeaderCount(['Paid Date', 'Supplier Name', 'Total', 'Cost Centre']), 3);
    assert.equal(recognisedHeaderCount(['October 2010 to December 2010', 'Cost Centre']), 0);
  });
});

describe('mapColumns by header', () => {
  it('maps the Code layout with high confidence', () => {
    const m = mapText(
      'Body Name,Body,Date,Transaction Number,Amount,Supplier Name,Supplier ID,Expense Area,Expense Type,Expense Code,Irrecoverable VAT,Merchant Category,VAT Registration Number\n' +
        'Anytown,E0001,01/04/2016,T1,100.00,ACME LTD,S1,Housing,Repairs,R100,0.00,Builders,GB123\n',
    );
    const expected: [SpendField, string][] = [
      ['bodyName', 'Body Name'], ['body', 'Body'], ['date', 'Date'], ['transactionNumber', 'Transaction Number'],
      ['netAmount', 'Amount'], ['supplierName', 'Supplier Name'], ['supplierId', 'Supplier ID'],
      ['department', 'Expense Area'], ['purpose', 'Expense Type'], ['expenseCode', 'Expense Code'],
      ['irrecoverableVat', 'Irrecoverable VAT'], ['merchantCategory', 'Merchant Category'], ['vatNumber', 'VAT Registration Number'],
    ];
    for (const [field, header] of expected) {
      assert.equal(headerOf(m, field), header, field);
      assert.equal(m.fields[field]?.confidence, 'high', field);
    }
    assert.deepEqual(m.unused, []);
  });

  it('reads misspelt headers and says how it read them', () => {
    const m = mapText('Service Area,Expenditure Catergory,Paid Date,Amount,Supplier Name\nGeneral Fund,Materials,07/02/2017,200.00,ATKINS\n');
    assert.equal(headerOf(m, 'purpose'), 'Expenditure Catergory');
    assert.match(m.fields.purpose?.reason ?? '', /read as "expenditure category"/);
    assert.equal(headerOf(m, 'department'), 'Service Area', 'the only department-like column is the department');
  });

  it('keeps VAT columns away from the net amount', () => {
    const m = mapText('Supplier,VAT,Net Amount,VAT Registration Number\nX,20.00,100.00,GB1\n');
    assert.equal(headerOf(m, 'netAmount'), 'Net Amount');
    assert.equal(headerOf(m, 'irrecoverableVat'), 'VAT');
    // A plain "VAT" does not say which VAT: never high confidence, and the reason says so.
    assert.notEqual(m.fields.irrecoverableVat?.confidence, 'high');
    assert.match(m.fields.irrecoverableVat?.reason ?? '', /does not say whether this VAT is irrecoverable, recoverable or already in the amount/);
    const named = mapText('Supplier,Irrecoverable VAT,Net Amount\nX,20.00,100.00\n');
    assert.equal(named.fields.irrecoverableVat?.confidence, 'high');
    assert.equal(headerOf(m, 'vatNumber'), 'VAT Registration Number');
    const net = mapText('Supplier,Invoice Line Value (net of VAT)\nX,"4,202.00"\n');
    assert.equal(headerOf(net, 'netAmount'), 'Invoice Line Value (net of VAT)');
    assert.equal(net.fields.irrecoverableVat, undefined);
  });

  it('prefers a filled column to an empty one with the same name', () => {
    const m = mapText('Supplier,Amount,Proclass,Procurement Classification\nX,1.00,,Builders\nY,2.00,,Cleaners\n');
    assert.equal(headerOf(m, 'merchantCategory'), 'Procurement Classification');
  });
});

describe('mapColumns by content', () => {
  it('finds the date under an unknown header and names under a "supplier id" header', () => {
    const m = mapText(
      'Strategic Group,TransNo,Period,Supplier id(T),Amount,Updated\n' +
        'Central Services,42202211,201011,STEVEN GREGORY DESIGN LTD,"9,300.00 ",09/02/2011\n' +
        'Central Services,42206450,201011,VIRGIN MEDIA BUSINESS,"1,071.95 ",01/02/2011\n',
    );
    assert.equal(headerOf(m, 'date'), 'Updated');
    assert.match(m.fields.date?.reason ?? '', /values of "Updated" are dates/);
    assert.equal(headerOf(m, 'supplierName'), 'Supplier id(T)');
    assert.match(m.fields.supplierName?.reason ?? '', /values are supplier names/);
    assert.equal(m.fields.supplierId, undefined);
    assert.equal(headerOf(m, 'transactionNumber'), 'TransNo');
  });

  it('rejects a header guess the content contradicts', () => {
    const m = mapText('Supplier,Date,When,Amount\nX,soon,01/02/2017,5.00\nY,later,02/02/2017,6.00\n');
    assert.equal(headerOf(m, 'date'), 'When');
  });

  it('finds the amount column by content when no header names it, with low confidence', () => {
    const m = mapText('Payee,Ref,Pounds\nACME LTD,12345,"1,234.56"\nBETA LTD,12346,99.00\n');
    assert.equal(headerOf(m, 'netAmount'), 'Pounds');
    assert.equal(m.fields.netAmount?.confidence, 'low');
  });

  it('maps a file with no header row by content alone', () => {
    const m = mapText('ACME LTD,01/02/2017,1234.56\nBETA LTD,02/02/2017,99.00\n');
    assert.equal(headerOf(m, 'date'), 'Column 2');
    assert.equal(headerOf(m, 'netAmount'), 'Column 3');
  });

  it('leaves the amount unmapped when nothing holds amounts', () => {
    const m = mapText('Supplier,Department\nX,Housing\n');
    assert.equal(m.fields.netAmount, undefined);
  });

  it('learns month-first dates from the values', () => {
    assert.equal(mapText('Date,Amount\n02/13/2017,1.00\n').dateOrder, 'mdy');
    assert.equal(mapText('Date,Amount\n13/02/2017,1.00\n').dateOrder, 'dmy');
    assert.equal(mapText('Date,Amount\n03/02/2017,1.00\n').dateOrder, 'dmy', 'ambiguous stays British');
  });
});

describe('mapColumns with a confirmed mapping', () => {
  const text = 'Supplier,Total,Net,Cost Centre\nX,120.00,100.00,C1\n';

  it('uses the publisher’s confirmed columns first', () => {
    const m = mapText(text, { netAmount: 'Net', supplierName: 'supplier' });
    assert.equal(headerOf(m, 'netAmount'), 'Net');
    assert.equal(m.fields.netAmount?.reason, 'confirmed mapping for this publisher');
    assert.equal(headerOf(m, 'supplierName'), 'Supplier');
  });

  it('leaves a field out when the confirmed mapping says the publisher has none', () => {
    const m = mapText('Supplier,Amount,Description\nX,1.00,Stuff\n', { purpose: null });
    assert.equal(m.fields.purpose, undefined);
    assert.ok(m.unused.includes('Description'));
  });

  it('falls back to automatic mapping when a confirmed column has gone, and says so', () => {
    const m = mapText(text, { netAmount: 'Amount (net)' });
    assert.ok(m.fields.netAmount);
    assert.match(m.notes[0] ?? '', /"Amount \(net\)", which this file does not have/);
  });
});

describe('mapColumns: amount headers with VAT, and amounts found by content', () => {
  it('"Total (excludes VAT)" is the net amount, with high confidence', () => {
    const m = mapText('Date,Supplier,Total (excludes VAT),VAT\n01/04/2016,ACME LTD,100.00,20.00\n02/04/2016,BETA LTD,250.00,50.00\n');
    assert.equal(headerOf(m, 'netAmount'), 'Total (excludes VAT)');
    assert.equal(m.fields.netAmount?.confidence, 'high');
  });

  it('"Amount (inc VAT)" is the amount when nothing else is, at medium confidence, and never the irrecoverable VAT', () => {
    const m = mapText('Date,Supplier,Amount (inc VAT)\n01/04/2016,ACME LTD,120.00\n02/04/2016,BETA LTD,300.00\n');
    assert.equal(headerOf(m, 'netAmount'), 'Amount (inc VAT)');
    assert.equal(m.fields.netAmount?.confidence, 'medium');
    assert.equal(m.fields.irrecoverableVat, undefined);
  });

  it('a net amount beats one that includes VAT', () => {
    const m = mapText('Date,Supplier,Gross (inc VAT),Net Amount\n01/04/2016,ACME LTD,120.00,100.00\n');
    assert.equal(headerOf(m, 'netAmount'), 'Net Amount');
  });

  it('finds an amount of whole pounds under an unknown header', () => {
    const m = mapText('Paid,Supplier,Pounds\n01/04/2016,ACME LTD,642\n02/04/2016,BETA LTD,1500\n03/04/2016,GAMMA LTD,"2,017.59"\n04/04/2016,DELTA LTD,510\n05/04/2016,EPSILON LTD,9800\n');
    assert.equal(headerOf(m, 'netAmount'), 'Pounds');
    assert.match(m.fields.netAmount?.reason ?? '', /whole pounds/);
  });

  it('does not take a column of transaction numbers, sequential or long integers for the amount', () => {
    const rows = [
      ['01/04/2016', 'ACME LTD', '57011389', '1', '0080020624', '1001', '640.50'],
      ['02/04/2016', 'BETA LTD', '57011569', '1', '0080020625', '1002', '1500.00'],
      ['03/04/2016', 'GAMMA LTD', '57012009', '1', '0080020626', '1003', '2017.59'],
      ['04/04/2016', 'DELTA LTD', '57011886', '1', '0080020627', '1004', '510.00'],
      ['05/04/2016', 'EPSILON LTD', '57011884', '1', '0080020628', '1005', '9800.10'],
    ];
    const m = mapText(`When,Supplier,Doc,Line,Code,Seq,Money\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    assert.equal(headerOf(m, 'netAmount'), 'Money');
    // With the real amount gone, none of the identifiers is taken for it.
    const without = mapText(`When,Supplier,Doc,Line,Code,Seq\n${rows.map((r) => r.slice(0, 6).join(',')).join('\n')}\n`);
    assert.equal(without.fields.netAmount, undefined);
  });

  it('a bare "Name" header is the supplier, but "Body Name" is not', () => {
    const m = mapText('Body Name,Name,Payment Date,Amount\nAnytown,ACME LTD,01/04/2016,100.00\n');
    assert.equal(headerOf(m, 'supplierName'), 'Name');
    assert.equal(headerOf(m, 'bodyName'), 'Body Name');
  });
});
