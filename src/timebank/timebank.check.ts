import type { Db } from '../platform/db.ts';
import * as repo from './timebank.repository.ts';

/**
 * The ledger's invariants, in every committed state, for every bank:
 * 1. each transfer is exactly two postings of equal size and opposite sign (−minutes from, +minutes to),
 *    within the transfer's bank;
 * 2. the balances of all accounts of a bank sum to zero, and so do its postings;
 * 3. every stored balance equals the sum of that account's postings;
 * 4. postings and transfers are never updated or deleted (the database's triggers are present and enabled),
 *    and a transfer is reversed at most once, by its mirror image.
 * Also checked: no account is below its limit (6, at rest).
 */
export interface LedgerCheck {
  ok: boolean;
  counts: { banks: number; accounts: number; transfers: number; postings: number };
  violations: { invariant: number; problem: string; detail: unknown }[];
}

const requiredTriggers = [
  ['timebank_postings', 'timebank_postings_no_update_delete'],
  ['timebank_postings', 'timebank_postings_no_truncate'],
  ['timebank_transfers', 'timebank_transfers_no_update_delete'],
  ['timebank_transfers', 'timebank_transfers_no_truncate'],
] as const;

/** Reads the whole ledger and reports every broken invariant it finds (at most 100 of each kind). */
export async function checkLedger(db: Db): Promise<LedgerCheck> {
  const violations: LedgerCheck['violations'] = [];
  const [counts, unbalanced, orphans, sums, drifted, triggers, reversals, beyond] = await Promise.all([
    repo.counts(db), repo.unbalancedTransfers(db), repo.orphanPostings(db), repo.bankSums(db), repo.driftedBalances(db),
    repo.appendOnlyTriggers(db), repo.badReversals(db), repo.accountsBeyondLimit(db),
  ]);
  for (const t of unbalanced) violations.push({ invariant: 1, problem: 'transfer is not two equal and opposite postings in its bank', detail: t });
  if (orphans > 0) violations.push({ invariant: 1, problem: 'postings without a transfer', detail: { postings: orphans } });
  for (const b of sums) {
    if (b.balances !== 0 || b.postings !== 0) violations.push({ invariant: 2, problem: 'bank does not sum to zero', detail: b });
  }
  for (const a of drifted) violations.push({ invariant: 3, problem: 'stored balance differs from the sum of postings', detail: a });
  for (const [table, trigger] of requiredTriggers) {
    if (!triggers.some((t) => t.table === table && t.trigger === trigger && t.enabled)) {
      violations.push({ invariant: 4, problem: 'append-only trigger missing or disabled', detail: { table, trigger } });
    }
  }
  for (const r of reversals) violations.push({ invariant: 4, problem: `reversal ${r.problem}`, detail: r });
  for (const a of beyond) violations.push({ invariant: 6, problem: 'account below its limit', detail: a });
  return { ok: violations.length === 0, counts, violations };
}
