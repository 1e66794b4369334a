/**
 * The `imp.analysis.*` filter fields, derived from the analysis table
 * (`dissector/analysis/fields.ts`: ANALYSIS_FIELDS and ANALYSIS_EXPERTS), where the conversation
 * analysis declares every field it produces. A row added there is filterable at once; nothing
 * here spells an analysis field name.
 *
 * Type mapping: `framenum` -> framenum, `uint` -> uint, `client`/`group` -> 8-bit uint with the
 * spec table's client/group value names, `time` -> float seconds, `string` -> string,
 * `none` -> none (presence). Expert ids that are no field (`imp.analysis.connected`) become
 * presence-only fields, like Wireshark's expert info names.
 */
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS, type AnalysisFieldSpec, type AnalysisFieldType } from "../analysis/fields.js";
import { CLIENT_NAMES, GROUP_NAMES } from "../../src/protocol/fields.js";
import type { FilterField } from "./registry.js";

const BY_TYPE: Readonly<Record<AnalysisFieldType, Omit<FilterField, "abbrev" | "label">>> = {
  framenum: { type: "framenum" },
  uint: { type: "uint", max: 0xffff_ffff },
  client: { type: "uint", max: 255, values: CLIENT_NAMES },
  group: { type: "uint", max: 255, values: GROUP_NAMES },
  time: { type: "float" },
  string: { type: "string" },
  none: { type: "none" },
};

/** The filter field of one analysis field spec. */
export function analysisFilterField(spec: AnalysisFieldSpec): FilterField {
  return { abbrev: spec.abbrev, label: spec.label, blurb: spec.blurb, ...BY_TYPE[spec.type] };
}

const fieldSpecs: readonly AnalysisFieldSpec[] = Object.values(ANALYSIS_FIELDS);
const fieldNames = new Set(fieldSpecs.map((s) => s.abbrev));

/** Every `imp.analysis.*` field and analysis expert id a filter may name. */
export const ANALYSIS_FILTER_FIELDS: readonly FilterField[] = [
  ...fieldSpecs.map(analysisFilterField),
  ...Object.values(ANALYSIS_EXPERTS)
    .filter((e) => !fieldNames.has(e.id))
    .map(
      (e): FilterField => ({
        abbrev: e.id,
        label: e.summary,
        type: "none",
        blurb: `Expert item (${e.category}, ${e.severity}): ${e.summary}`,
      }),
    ),
];
