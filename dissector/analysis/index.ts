export { ConversationAnalyzer } from "./analyzer.js";
export { percentiles } from "./statistics.js";
export type {
  AnalysisExpert,
  AnalysisField,
  AnalysisInput,
  AnalysisStats,
  AnalysisView,
  AnalyzerOptions,
  ConversationSummary,
  Endpoint,
  FrameAnalysis,
  Transaction,
  TransactionKind,
  TransactionOutcome,
} from "./types.js";
export * from "./fields.js";
export type { GroupEvent, GroupLifetime, MembershipReason } from "./groups.js";
export type { HeldEntries } from "./retention.js";
