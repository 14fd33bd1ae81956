// Issue 14: a new member can receive time. Migration 0023 gave every existing time bank a default limit of 0
// for new members ("earn first"), so in those banks a newcomer still could not be helped before giving. Banks
// whose coordinators never chose a limit (no `timebank.bank.default_limit_changed` in the audit log) take the
// platform default, 5 hours (-300 minutes; TIMEBANK_DEFAULT_MEMBER_LIMIT_MINUTES in timebank.service.ts), which
// the form that opens a bank offers. Members who already joined keep the limit they have:
// a coordinator changes one member's limit on the account's page. Coordinators can change the bank's default
// on /timebank/banks/:id/settings.
export const statements = [
  `UPDATE timebank_banks b SET member_min_balance = -300
    WHERE b.member_min_balance = 0
      AND NOT EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.entity_type = 'timebank_bank' AND a.entity_id = b.id::text
                         AND a.action = 'timebank.bank.default_limit_changed')`,
];
