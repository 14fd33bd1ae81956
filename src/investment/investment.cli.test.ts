// The investment commands as an operator runs them, on both engines: accredit a CDFI, record an investment,
// certify it (once), refuse an early repayment, make a deal and read it back, each printing one JSON object.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCli } from '../platform/testing.ts';
import { addDays, addYears, todayDay } from './investment.compute.ts';

describeCli('the investment command line', (ws) => {
  it('runs a CDFI’s ledger and a deal, and names what is refused', async () => {
    const { run } = ws();
    const today = todayDay();
    const cdfi = await run('org', 'create', '--name', 'CLI Community Finance', '--legal-form', 'community-benefit-society');
    assert.equal(cdfi.code, 0, cdfi.stderr);
    const investor = await run('org', 'create', '--name', 'CLI Investor', '--legal-form', 'company-limited-by-shares');
    const shop = await run('org', 'create', '--name', 'CLI Shop', '--legal-form', 'community-group');
    const accredited = await run('investment', 'cdfi', 'accredit', '--org', cdfi.json.id, '--from', addYears(today, -1), '--application-pence', '10000000');
    assert.equal(accredited.code, 0, accredited.stderr);
    assert.equal(accredited.json.certificateLimitPence, 12_500_000);
    const inv = await run('investment', 'citr', 'invest', '--cdfi', cdfi.json.id, '--investor', 'CLI Investor', '--kind', 'loan', '--amount-pence', '500000', '--on', addDays(today, -1));
    assert.equal(inv.code, 0, inv.stderr);
    const cert = await run('investment', 'citr', 'certify', '--cdfi', cdfi.json.id, '--investment', inv.json.id);
    assert.equal(cert.code, 0, cert.stderr);
    const again = await run('investment', 'citr', 'certify', '--cdfi', cdfi.json.id, '--investment', inv.json.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has its tax relief certificate/);
    const repay = await run('investment', 'citr', 'repay', '--cdfi', cdfi.json.id, '--investment', inv.json.id, '--on', today, '--amount-pence', '100');
    assert.equal(repay.code, 1);
    assert.match(repay.stderr, /years 1 and 2/);
    const deal = await run('investment', 'deal', 'create', '--investor', cdfi.json.id, '--investee', shop.json.id, '--title', 'CLI loan', '--starts', addDays(today, -40), '--loan-pence', '120000', '--term-months', '12', '--interest-bp', '500', '--qualifying');
    assert.equal(deal.code, 0, deal.stderr);
    const shown = await run('investment', 'deal', 'show', '--deal', deal.json.id);
    assert.equal(shown.json.schedule.length, 12);
    const report = await run('investment', 'cdfi', 'report', '--cdfi', cdfi.json.id);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(report.json.rules.length >= 7);
    assert.ok(investor.json.id);
  });
});
