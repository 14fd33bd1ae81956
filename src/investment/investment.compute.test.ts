import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addMonths, averageCapitalBalance, monthlyInterest, onwardTests, position, reliefByYear, repaymentCap, repaymentSchedule, totalOwed } from './investment.compute.ts';

describe('investment arithmetic', () => {
  it('works out a month’s interest in whole pence, half up', () => {
    assert.equal(monthlyInterest(100_000_00, 600), 50_000); // £100,000 at 6% = £500 a month
    assert.equal(monthlyInterest(1_000, 500), 4); // 4.1666… → 4
    assert.equal(monthlyInterest(1_200, 500), 5); // exactly 5
    assert.equal(monthlyInterest(0, 500), 0);
  });

  it('adds months keeping the day, or the month’s last day', () => {
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(addMonths('2028-01-31', 1), '2028-02-29');
    assert.equal(addMonths('2026-11-15', 3), '2027-02-15');
    assert.equal(addMonths('2026-03-15', -3), '2025-12-15');
  });

  it('schedules interest only through the holiday, then level payments that clear the loan exactly', () => {
    const s = repaymentSchedule({ principalPence: 5_000_000, interestBasisPoints: 650, termMonths: 60, holidayMonths: 12, startsOn: '2026-04-01' });
    assert.equal(s.length, 60);
    for (const i of s.slice(0, 12)) { assert.equal(i.principalPence, 0); assert.equal(i.balancePence, 5_000_000); assert.equal(i.paymentPence, monthlyInterest(5_000_000, 650)); }
    const level = s[12]!.paymentPence;
    for (const i of s.slice(12, -1)) assert.equal(i.paymentPence, level);
    assert.ok(s.at(-1)!.paymentPence <= level && s.at(-1)!.paymentPence > 0);
    assert.equal(s.at(-1)!.balancePence, 0);
    assert.equal(s.reduce((t, i) => t + i.principalPence, 0), 5_000_000);
    assert.equal(totalOwed(s), s.reduce((t, i) => t + i.interestPence, 0) + 5_000_000);
    assert.equal(s[0]!.dueOn, '2026-05-01');
    for (const i of s) assert.ok(Number.isInteger(i.paymentPence) && Number.isInteger(i.interestPence));
  });

  it('schedules an interest-free loan as equal parts, the last taking the remainder', () => {
    const s = repaymentSchedule({ principalPence: 1_000_00, interestBasisPoints: 0, termMonths: 3, holidayMonths: 0, startsOn: '2026-01-10' });
    assert.deepEqual(s.map((i) => i.paymentPence), [33_334, 33_334, 33_332]);
  });

  it('finds arrears: due and not paid, less write-offs, with the oldest unpaid instalment', () => {
    const s = repaymentSchedule({ principalPence: 1_200_00, interestBasisPoints: 0, termMonths: 12, holidayMonths: 0, startsOn: '2026-01-01' });
    const p = position(s, [{ paidOn: '2026-02-01', amountPence: 10_000 }], [], '2026-04-15');
    assert.equal(p.duePence, 30_000);
    assert.equal(p.arrearsPence, 20_000);
    assert.equal(p.oldestUnpaidDueOn, '2026-03-01');
    assert.equal(p.outstandingPence, 110_000);
    const off = position(s, [{ paidOn: '2026-02-01', amountPence: 10_000 }], [{ on: '2026-04-10', amountPence: 110_000 }], '2026-04-15');
    assert.equal(off.arrearsPence, 0);
    assert.equal(off.outstandingPence, 0);
  });

  it('averages daily balances for a loan’s year', () => {
    assert.equal(averageCapitalBalance(100_000, [], '2026-01-01', '2027-01-01'), 100_000);
    // Half repaid at the middle of a 10-day period: 5 days at 100,000 and 5 at 50,000.
    assert.equal(averageCapitalBalance(100_000, [{ on: '2026-01-06', amountPence: 50_000 }], '2026-01-01', '2026-01-11'), 75_000);
  });

  it('gives 5% a year for five years, never more than 25%; none without a certificate; none after a loan is repaid', () => {
    const shares = reliefByYear({ kind: 'shares', amountPence: 1_000_000, investedOn: '2020-06-01', certified: true }, []);
    assert.deepEqual(shares.map((y) => y.reliefPence), [50_000, 50_000, 50_000, 50_000, 50_000]);
    assert.equal(shares.reduce((s, y) => s + y.reliefPence, 0), 250_000);
    assert.ok(reliefByYear({ kind: 'shares', amountPence: 1_000_000, investedOn: '2020-06-01', certified: false }, []).every((y) => y.reliefPence === 0 && y.stopped));
    const loan = reliefByYear({ kind: 'loan', amountPence: 1_000_000, investedOn: '2020-06-01', certified: true }, [{ on: '2022-06-01', amountPence: 250_000 }, { on: '2024-05-01', amountPence: 750_000 }]);
    assert.equal(loan[0]!.reliefPence, 50_000);
    assert.equal(loan[2]!.basePence, 750_000);
    assert.equal(loan[2]!.reliefPence, 37_500);
    assert.equal(loan[3]!.reliefPence, 0, 'repaid in full before the end of year 4: no relief for it');
    assert.equal(loan[4]!.reliefPence, 0);
    assert.ok(loan.reduce((s, y) => s + y.reliefPence, 0) <= 250_000);
  });

  it('caps repayments: none in years 1–2, then 25%, 50%, 75%, then all', () => {
    const at = (on: string) => repaymentCap(1_000_000, '2020-06-01', on);
    assert.deepEqual(at('2020-06-01'), { year: 1, capPence: 0 });
    assert.deepEqual(at('2022-05-31'), { year: 2, capPence: 0 });
    assert.deepEqual(at('2022-06-01'), { year: 3, capPence: 250_000 });
    assert.deepEqual(at('2023-06-01'), { year: 4, capPence: 500_000 });
    assert.deepEqual(at('2025-05-31'), { year: 5, capPence: 750_000 });
    assert.deepEqual(at('2025-06-01'), { year: 6, capPence: 1_000_000 });
  });

  it('flags an onward-investment breach on a passed test day, and counts only investments held three months', () => {
    const tests = onwardTests({
      accreditedFrom: '2022-01-01', today: '2024-06-01',
      investments: [{ investedOn: '2022-02-01', amountPence: 1_000_000, certified: true, repayments: [] }, { investedOn: '2022-11-15', amountPence: 500_000, certified: true, repayments: [] }],
      onward: [{ on: '2022-06-01', amountPence: 300_000, qualifying: true }, { on: '2023-03-01', amountPence: 100_000, qualifying: false }, { on: '2023-06-01', amountPence: 200_000, qualifying: true }],
      writeOffs: [],
    });
    assert.equal(tests[0]!.fundPence, 1_000_000, 'the investment of 15 November is within three months of the test day');
    assert.equal(tests[0]!.status, 'met');
    assert.equal(tests[1]!.fundPence, 1_500_000);
    assert.equal(tests[1]!.onwardPence, 500_000);
    assert.equal(tests[1]!.requiredPence, 750_000);
    assert.equal(tests[1]!.status, 'breach');
    assert.equal(tests[2]!.status, 'behind');
  });
});
