// The whole schema as Kysely sees it: each module's tables, composed here and nowhere else.
import type { PlatformTables } from './platform/platform.table.ts';
import type { OrganisationsTables } from './organisations/organisations.table.ts';
import type { PlacesTables } from './places/places.table.ts';
import type { SpendTables } from './spend/spend.table.ts';
import type { TimebankTables } from './timebank/timebank.table.ts';
import type { VoiceTables } from './voice/voice.table.ts';
import type { CommissioningTables } from './commissioning/commissioning.table.ts';
import type { OutcomesTables } from './outcomes/outcomes.table.ts';
import type { GrantsTables } from './grants/grants.table.ts';
import type { InvestmentTables } from './investment/investment.table.ts';
import type { PeerReviewTables } from './scorecards/scorecards.peer-review.table.ts';
import type { ScorecardsTables } from './scorecards/scorecards.table.ts';

export interface Database
  extends PlatformTables,
    OrganisationsTables,
    PlacesTables,
    SpendTables,
    VoiceTables,
    TimebankTables,
    CommissioningTables,
    OutcomesTables,
    GrantsTables,
    InvestmentTables,
    PeerReviewTables,
    ScorecardsTables {}
