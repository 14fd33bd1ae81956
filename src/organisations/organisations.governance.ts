// What an organisation publishes about its governance (issue 18): how it uses a profit or surplus and, when it
// pays dividends, how much in which financial year; its pay multiple (highest paid to median); its highest pay
// band; its board size; and the time within which it promises a first answer to a story about its services.
// Its administrators set it; the scorecards show it. "Profit should be suppressed, but it should be transparent."
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import type { ProfitUse } from './organisations.table.ts';
import * as repo from './organisations.repository.ts';

export const PROFIT_USES: readonly ProfitUse[] = ['no-profit', 'reinvested', 'dividends', 'dividends-and-reinvested'];
export const PROFIT_USE_LABELS: Record<ProfitUse, string> = {
  'no-profit': 'It makes no profit or surplus (a public body, or it spends all it receives)',
  reinvested: 'Any surplus is reinvested in its purpose; nothing is distributed',
  dividends: 'It distributes profit as dividends',
  'dividends-and-reinvested': 'It distributes part of its profit as dividends and reinvests the rest',
};

export interface GovernanceView {
  organisationId: string;
  profitUse: ProfitUse; profitUseLabel: string;
  /** Integer pence distributed in `distributedYear`; null unless it distributes profit. */
  distributedPence: number | null; distributedYear: string | null;
  payMultiple: number | null; highestPayBand: string | null; boardSize: number | null; responseTargetDays: number | null;
  updatedAt: string;
}

function present(r: NonNullable<Awaited<ReturnType<typeof repo.governanceOf>>>): GovernanceView {
  return {
    organisationId: r.organisation_id, profitUse: r.profit_use, profitUseLabel: PROFIT_USE_LABELS[r.profit_use],
    distributedPence: r.distributed_pence === null ? null : Number(r.distributed_pence), distributedYear: r.distributed_year,
    payMultiple: r.pay_multiple === null ? null : Number(r.pay_multiple), highestPayBand: r.highest_pay_band, boardSize: r.board_size,
    responseTargetDays: r.response_target_days, updatedAt: r.updated_at.toISOString(),
  };
}

/** What the organisation has published about its governance, or null if nothing yet. Public. */
export async function getGovernance(db: Db, organisationId: string): Promise<GovernanceView | null> {
  const r = await repo.governanceOf(db, organisationId);
  return r ? present(r) : null;
}

export interface GovernanceInput {
  profitUse?: unknown; distributed?: unknown; distributedYear?: unknown; payMultiple?: unknown; highestPayBand?: unknown; boardSize?: unknown; responseTargetDays?: unknown;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function wholeNumber(check: Checker, v: unknown, field: string, label: string, min: number, max: number): number | null {
  if (blank(v)) return null;
  const text = String(v).trim().replace(/,/g, '');
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) { check.fail(field, `${label} must be a whole number from ${min} to ${max.toLocaleString('en-GB')}`); return null; }
  return n;
}

/** Pounds as typed ("12,500" or "12500.50") to integer pence, without float arithmetic; null if not money. */
function pence(text: string): number | null {
  const m = /^£?(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/,/g, ''));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : null;
}

/** Sets what the organisation publishes about its governance; its administrators only. */
export async function setGovernance(db: Db, actor: Actor, organisationId: string, input: GovernanceInput): Promise<GovernanceView> {
  await requireOrganisationRole(db, actor, organisationId, ['admin']);
  const check = new Checker();
  const profitUse = check.oneOf(input.profitUse, 'profitUse', 'how it uses a profit or surplus', PROFIT_USES);
  const distributes = profitUse === 'dividends' || profitUse === 'dividends-and-reinvested';
  let distributedPence: number | null = null;
  let distributedYear: string | null = null;
  if (distributes) {
    if (blank(input.distributed)) check.fail('distributed', 'Enter how much it distributed as dividends, in pounds');
    else {
      distributedPence = pence(String(input.distributed));
      if (distributedPence === null) check.fail('distributed', 'Enter the amount distributed in pounds, like 12,500 or 12500.50');
    }
    const y = typeof input.distributedYear === 'string' ? input.distributedYear.trim() : '';
    if (!/^\d{4}-\d{2}$/.test(y) || (Number(y.slice(0, 4)) + 1) % 100 !== Number(y.slice(5))) check.fail('distributedYear', 'Enter the financial year of the distribution, like 2024-25');
    else distributedYear = y;
  }
  let payMultiple: number | null = null;
  if (!blank(input.payMultiple)) {
    const t = String(input.payMultiple).trim().replace(/:1$/, '');
    payMultiple = /^\d{1,5}(\.\d)?$/.test(t) ? Number(t) : NaN;
    if (!(payMultiple >= 1 && payMultiple <= 10000)) { check.fail('payMultiple', 'Enter the pay multiple as a number from 1 to 10,000 with at most one decimal place, like 6.5'); payMultiple = null; }
  }
  const highestPayBand = check.text(input.highestPayBand, 'highestPayBand', 'the highest pay band', { max: 100, optional: true }) || null;
  const boardSize = wholeNumber(check, input.boardSize, 'boardSize', 'The board size', 0, 1000);
  const responseTargetDays = wholeNumber(check, input.responseTargetDays, 'responseTargetDays', 'The response target', 1, 365);
  check.done();
  return inTransaction(db, async (trx) => {
    const before = await repo.governanceOf(trx, organisationId);
    const row = await repo.upsertGovernance(trx, {
      organisation_id: organisationId, profit_use: profitUse, distributed_pence: distributedPence, distributed_year: distributedYear,
      pay_multiple: payMultiple, highest_pay_band: highestPayBand, board_size: boardSize, response_target_days: responseTargetDays, updated_by: actor.userId,
    });
    const view = present(row);
    await recordAudit(trx, actor, { action: 'organisation.governance.updated', entityType: 'organisation', entityId: organisationId, organisationId, before: before ? present(before) : undefined, after: view });
    return view;
  });
}
