/**
 * The state every room of the analysis shares: the per-frame columns, the transactions, the ARQ
 * conversations, names, membership and the deadlines, with the timers the analysis assumes.
 * Each room (ARQ links, semantics, deadlines, statistics, per-frame view) reads and writes it.
 */
import type { ConversationTable } from "./conversations.js";
import type { Deadlines } from "./deadlines.js";
import type { FrameTable } from "./frame-table.js";
import type { Membership } from "./groups.js";
import type { NameBook } from "./names.js";
import type { TransactionTable } from "./transactions.js";

export interface AnalysisContext {
  readonly frames: FrameTable;
  readonly txs: TransactionTable;
  readonly convs: ConversationTable;
  readonly names: NameBook;
  readonly membership: Membership;
  readonly deadlines: Deadlines;
  /** Seconds (capture time). */
  readonly rto: number;
  readonly retries: number;
  readonly invitationTimeout: number;
  readonly spuriousWindow: number;
}
