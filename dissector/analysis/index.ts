export {
  ConversationAnalyzer,
  percentiles,
  type AnalysisExpert,
  type AnalysisField,
  type AnalysisInput,
  type AnalysisStats,
  type AnalysisView,
  type AnalyzerOptions,
  type ConversationSummary,
  type Endpoint,
  type FrameAnalysis,
  type Transaction,
  type TransactionKind,
  type TransactionOutcome,
} from "./analyzer.js";
export * from "./fields.js";
export type { GroupEvent, MembershipReason } from "./groups.js";
