/**
 * Wireshark-style display filters for IMP (`imp read -Y`, the TUI filter bar).
 *
 * A filter is compiled once and evaluated per packet:
 * ```ts
 * const c = compileFilter('imp.type == "Data Message" && !imp.analysis.retransmission');
 * if (!c.ok) { console.error(formatFilterError(text, c.error)); process.exitCode = 2; }
 * else for (const p of packets) if (c.filter.matches(p)) show(p);
 * ```
 * `compileFilter` never throws: the TUI can call it on every keystroke and colour the bar.
 *
 * The packet side is the `FilterPacket` interface: one method, `values(field)`, returning every
 * occurrence of a field in the packet (or undefined). The dissector feeds, per packet:
 * `frame` (true), `frame.number`, `frame.time_relative` (seconds), `frame.len`; `ip` (true),
 * `ip.src`, `ip.dst`; `udp` (true), `udp.srcport`, `udp.dstport`; `imp` (true) and every
 * `imp.*` field of the protocol tree with its raw value (node `abbrev` -> `value`; `imp.entry`
 * once per entry, `imp.entry.*` and `imp.invitees` once per item); each expert item's id
 * (`imp.malformed.short`, true), `expert.severity` (`SEVERITY_RANK[severity]`) and
 * `expert.message` (its text); the `imp.analysis.*` fields of dissector/analysis/fields.ts. `ip.addr`,
 * `udp.port` and groups such as `imp.analysis` or `expert` are computed by the filter.
 * `DisplayFilter.fields` lists what a filter reads, so the analysis pass can be skipped when no
 * `imp.analysis.*` field is named.
 *
 * Semantics follow Wireshark 4: `a == v` (also `any_eq`) holds if any occurrence equals; `a != v`
 * (`all_ne`) if every occurrence differs; `a === v` (`all_eq`) if all equal; `a !== v` (`~=`,
 * `any_ne`) if some occurrence differs; a comparison on an absent field is false; a bare field is
 * a presence test. Value names match ASCII case-insensitively; `contains` and `matches` are
 * case-sensitive unless the regex starts with `(?i)`.
 */
export { compileFilter, parseIpv4, type CompiledFilter, type DisplayFilter, type Predicate } from "./compile.js";
export { formatFilterError, type FilterError } from "./errors.js";
export { FieldMap, recordPacket, type FilterPacket, type FilterRecord, type FilterValue } from "./packet.js";
export { parseFilter, type Expr, type Operand, type Quantifier, type Relation, type SetMember } from "./parser.js";
export { tokenize, type Token, type TokenKind } from "./lexer.js";
export {
  CAPTURE_FIELDS,
  DEFAULT_REGISTRY,
  FieldRegistry,
  IMP_FIELDS,
  PROBLEM_FIELDS,
  SEVERITY_NAMES,
  TYPE_TEXT,
  fieldFromSpec,
  type FilterField,
  type FilterFieldType,
  type ResolvedName,
} from "./registry.js";
export { ANALYSIS_FILTER_FIELDS, analysisFilterField } from "./analysis-fields.js";
export { benchFilter, type BenchResult } from "./bench-filter.js";
