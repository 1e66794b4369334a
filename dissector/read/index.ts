/**
 * The read pipeline of `imp read`, `imp sniff`, `imp stats`, `imp flow`, `imp chat` and the TUI.
 * See README.md beside this file.
 */
export { dissect, needsTwoPass, type DissectOptions, type DissectResult } from "./pipeline.js";
export { runRead, READ_FORMATS, FLUSH_INTERVAL_MS, type ReadFormat, type ReadOptions, type ReadResult } from "./read.js";
export { MutableFrame, buildAnalysisTree, type ReadFrame } from "./frame.js";
export { FrameFields, fieldNeeds, isKnownField, COLUMN_FIELDS, type FieldNeeds } from "./frame-fields.js";
export { analysisMarks } from "./marks.js";
export {
  analysisJson,
  DEFAULT_FIELDS_FORMAT,
  epochText,
  fieldsRow,
  frameHeaderText,
  hexText,
  packetJson,
  verboseText,
  type FieldsFormat,
} from "./outputs.js";
export { hexDump } from "./hexdump.js";
export { CallbackSink, DiscardSink, FdSink, fdSink, stringSink, textSink, type TextSink } from "./sink.js";
export { StatsCollector, renderStatsText, type CaptureStats, type ClientStats, type ConversationStats, type TypeCount } from "./stats.js";
export { FlowLayout, flowLabel, elide, type FlowEndpoint, type FlowOptions } from "./flow.js";
export { ChatCollector, renderChatText, type ChatGroup, type ChatLine } from "./chat.js";
export { renderTable, type Column } from "./table.js";
