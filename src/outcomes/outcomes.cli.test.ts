// The outcomes commands as a person runs them, on both engines: open a contract, add an outcome, claim,
// decide, pay, read the ledger and export INDIGO, each printing one JSON object.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCli } from '../platform/testing.ts';

describeCli('the outcomes command line', (ws) => {

  it('runs a contract from rate card to payment, and names the field at fault', async () => {
    const { run } = ws();
    const council = await run('org', 'create', '--name', 'CLI Council', '--legal-form', 'local-authority', '--identifier', 'GB-GOR-T100001', '--verified');
    assert.equal(council.code, 0, council.stderr);
    const provider = await run('org', 'create', '--name', 'CLI Provider', '--legal-form', 'charitable-company');
    assert.equal(provider.code, 0, provider.stderr);
    const contract = await run('outcomes', 'contract', 'create', '--org', council.json.id, '--provider', provider.json.id, '--title', 'CLI outcomes contract', '--start', '2026-04-01', '--end', '2029-03-31', '--cap-pence', '1000000');
    assert.equal(contract.code, 0, contract.stderr);
    const bad = await run('outcomes', 'contract', 'create', '--org', council.json.id, '--provider', provider.json.id, '--title', 'Bad', '--start', '2026-04-01', '--end', '2029-03-31', '--cap-pence', '12.50');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /capPence|contract cap/);
    const metric = await run('outcomes', 'metric', 'add', '--contract', contract.json.id, '--code', 'E1', '--name', 'Job start', '--definition', 'Starts paid work', '--validation', 'Payslip check', '--evidence', 'Payslip', '--price-pence', '150000');
    assert.equal(metric.code, 0, metric.stderr);
    const claim = await run('outcomes', 'claim', '--contract', contract.json.id, '--metric', 'E1', '--participant', 'C-1', '--achieved', '2026-06-01', '--evidence', 'Payslip seen');
    assert.equal(claim.code, 0, claim.stderr);
    const twice = await run('outcomes', 'claim', '--contract', contract.json.id, '--metric', 'E1', '--participant', 'C-1', '--achieved', '2026-06-02', '--evidence', 'Again');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already been claimed/);
    const decided = await run('outcomes', 'decide', '--claim', claim.json.id, '--decision', 'accept');
    assert.equal(decided.code, 0, decided.stderr);
    const paid = await run('outcomes', 'pay', '--contract', contract.json.id, '--claims', claim.json.id, '--paid-on', '2026-07-01');
    assert.equal(paid.code, 0, paid.stderr);
    assert.equal(paid.json.amountPence, 150000);
    const ledger = await run('outcomes', 'ledger', '--contract', contract.json.id);
    assert.equal(ledger.json.paidPence, 150000);
    assert.equal(ledger.json.capLeftPence, 850000);
    const indigo = await run('outcomes', 'indigo', '--contract', contract.json.id);
    assert.equal(indigo.code, 0, indigo.stderr);
    assert.equal(indigo.json.outcome_metrics[0].id, 'E1');
    const fund = await run('org', 'create', '--name', 'CLI Fund', '--legal-form', 'other-public-body', '--identifier', 'GB-GOR-T100002', '--verified');
    const payers = await run('outcomes', 'payers', 'set', '--contract', contract.json.id, '--payer', `${council.json.id}=8000`, '--payer', `${fund.json.id}=2000`);
    assert.equal(payers.code, 0, payers.stderr);
    const badShares = await run('outcomes', 'payers', 'set', '--contract', contract.json.id, '--payer', `${council.json.id}=8000`);
    assert.equal(badShares.code, 1);
    assert.match(badShares.stderr, /10000/);
    const cmp = await run('outcomes', 'comparison', 'add', '--contract', contract.json.id, '--measure', 'Reconvictions', '--from', '2026-04-01', '--to', '2027-03-31', '--cohort', '1000', '--cohort-events', '180', '--comparison', '1000', '--comparison-events', '200', '--better', 'lower', '--threshold-bp', '1000');
    assert.equal(cmp.code, 0, cmp.stderr);
    assert.equal(cmp.json.triggerMet, true);
    const investor = await run('org', 'create', '--name', 'CLI Investor', '--legal-form', 'company-limited-by-shares');
    const inv = await run('outcomes', 'investment', 'add', '--contract', contract.json.id, '--investor', investor.json.id, '--committed-pence', '100000');
    assert.equal(inv.code, 0, inv.stderr);
    const over = await run('outcomes', 'investment', 'flow', '--investment', inv.json.id, '--kind', 'drawdown', '--on', '2026-04-01', '--amount-pence', '100001');
    assert.equal(over.code, 1);
    assert.match(over.stderr, /beyond the commitment/);
    const ocds = await run('outcomes', 'ocds', '--contract', contract.json.id);
    assert.equal(ocds.code, 1);
    assert.match(ocds.stderr, /not linked to a commissioning contract/);
  });
});
