// CSV exports: an account's statement, a bank's accounts (a bank's impact: timebank.impact.ts, with its disclosure control). Minutes stay whole minutes (a
// spreadsheet can divide by 60); text cells that start like a formula are neutralised
// by the platform's one CSV writer (platform/csv.ts).
import type { AccountView } from './timebank.service.ts';
import { csvTable, type CsvValue } from '../platform/csv.ts';

function csv(header: string[], rows: CsvValue[][]): string {
  return csvTable(header, rows);
}

interface StatementLike {
  account: AccountView;
  postings: { transferId: string; at: string; minutes: number; balanceAfter: number; counterparty: { name: string }; reason: string; kind: string; category: string | null; onBehalf: boolean; reverses: string | null; reversedBy: string | null }[];
}

export function statementCsv(s: StatementLike): string {
  return csv(
    ['recorded_at', 'transfer_id', 'with', 'what_for', 'kind', 'category', 'minutes', 'balance_after_minutes', 'recorded_on_behalf', 'reverses', 'reversed_by'],
    s.postings.map((p) => [p.at, p.transferId, p.counterparty.name, p.reason, p.kind, p.category, p.minutes, p.balanceAfter, p.onBehalf, p.reverses, p.reversedBy]),
  );
}

export function accountsCsv(accounts: AccountView[]): string {
  return csv(
    ['account_id', 'name', 'kind', 'partner_role', 'status', 'member_code', 'area_code', 'balance_minutes', 'min_balance_minutes'],
    accounts.map((a) => [a.id, a.name, a.kind, a.partnerRole, a.status, a.memberCode, a.areaCode, a.balance, a.minBalance]),
  );
}
