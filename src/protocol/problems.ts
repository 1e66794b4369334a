/**
 * What the codec reports about a datagram, declared once like Wireshark's ei arrays: a stable
 * id, a category (`malformed`: a length rule is broken; `protocol`: well-formed but a value rule
 * is broken), a severity, whether receivers drop a datagram that has it, a summary, and the
 * sentence a report says, as a template of the values involved (`problemText`; the generated
 * Lua dissector fills the same templates).
 */
import { compileTemplate, type TemplateFormat } from "./template.js";

/** `reassemble`: the capture lacks part of the datagram (IP fragments that never arrived); never the codec's. */
export type ProblemCategory = "malformed" | "protocol" | "reassemble";
export type Severity = "error" | "warning" | "note" | "chat";

export interface ProblemSpec {
  readonly id: string;
  readonly category: ProblemCategory;
  readonly severity: Severity;
  /** A conforming receiver (server, client) drops a datagram with this problem without answering. */
  readonly dropped: boolean;
  readonly summary: string;
  /**
   * The sentence of one report: `{name}` is a value, `{name:s}` is "s" unless the value is 1,
   * `{name:hex2}` is the value in two hex digits. Value-rule problems of a field are given its
   * `label`, `value` and the `expected` classes.
   */
  readonly text: string;
  /** Other sentences of the same problem, by the case they describe. */
  readonly variants?: Readonly<Record<string, string>>;
}

function p(
  id: string,
  category: ProblemCategory,
  severity: Severity,
  dropped: boolean,
  summary: string,
  text: string,
  variants?: Record<string, string>,
): ProblemSpec {
  return { id, category, severity, dropped, summary, text, ...(variants ? { variants } : {}) };
}

/** The sentence every value-rule problem of a field says. */
const VALUE_TEXT = "{label} {value} (expected {expected})";

export const PROBLEMS = {
  short: p(
    "imp.malformed.short",
    "malformed",
    "error",
    true,
    "Datagram shorter than the 5-byte header",
    "Datagram of {length} byte{length:s} is shorter than the {header}-byte header",
  ),
  hlenMin: p(
    "imp.malformed.hlen_min",
    "malformed",
    "error",
    true,
    "Header Length below 5",
    "Header Length {hlen} is below the {header}-byte minimum",
  ),
  hlenBeyond: p(
    "imp.malformed.hlen_beyond",
    "malformed",
    "error",
    true,
    "Header Length runs past the end of the datagram",
    "Header Length {hlen} runs past the end of the {length}-byte datagram",
  ),
  hlenType: p(
    "imp.malformed.hlen_type",
    "malformed",
    "error",
    true,
    "Header Length does not fit the message type",
    "Header Length {hlen} does not fit a {message} ({rule})",
  ),
  ackHlen: p(
    "imp.malformed.ack_hlen",
    "malformed",
    "error",
    true,
    "Acknowledgement with options (Header Length is not 5)",
    "Acknowledgement with Header Length {hlen} (must be {header})",
  ),
  trailing: p(
    "imp.malformed.trailing",
    "malformed",
    "error",
    true,
    "Bytes after the header of a type that carries no payload",
    "{count} bytes after the header of a {message}",
    { ack: "{count} bytes after an acknowledgement" },
  ),
  dataLen: p(
    "imp.malformed.data_len",
    "malformed",
    "error",
    true,
    "Data Length does not match the payload",
    "Data Length {dataLen} but only {available} payload byte{available:s}",
    { extra: "Data Length {dataLen} but {available} payload bytes ({extra} extra)" },
  ),
  unknownType: p("imp.protocol.unknown_type", "protocol", "warning", true, "Reserved message type", "Type 0x{type:hex2} is reserved"),
  reservedSet: p("imp.protocol.reserved_set", "protocol", "note", false, "Reserved bit set", "{label} bit is set (senders set 0)"),
  padding: p("imp.protocol.padding", "protocol", "note", false, "Padding bits not zero", VALUE_TEXT),
  src: p(
    "imp.protocol.src",
    "protocol",
    "warning",
    true,
    "Source ID not allowed for this message type",
    "{label} {value} in a {message} (expected {expected})",
  ),
  group: p(
    "imp.protocol.group",
    "protocol",
    "warning",
    true,
    "Group ID not allowed for this message type",
    "{label} {value} in a {message} (expected {expected})",
  ),
  username: p(
    "imp.protocol.username",
    "protocol",
    "warning",
    false,
    "Invalid username",
    'Username "{text}" is not 1 to 8 printable ASCII characters without spaces',
  ),
  clientId: p("imp.protocol.client_id", "protocol", "warning", false, "Client ID 0 where a client is required", VALUE_TEXT),
  groupId: p("imp.protocol.group_id", "protocol", "warning", false, "Group ID out of range for this field", VALUE_TEXT),
  target: p("imp.protocol.target", "protocol", "warning", true, "An option that must name a client names none (client ID 0)", VALUE_TEXT),
  duplicateInvitee: p(
    "imp.protocol.duplicate_invitee",
    "protocol",
    "note",
    false,
    "Client invited twice in one request",
    "Client {value} is invited twice",
  ),
  utf8: p("imp.protocol.utf8", "protocol", "warning", false, "Payload is not valid UTF-8", "Payload is not valid UTF-8"),
  implicitAck: p(
    "imp.protocol.implicit_ack",
    "protocol",
    "note",
    false,
    "Explicit ACK of a message that is acknowledged implicitly",
    "{message} is acknowledged by its response, not by an ACK",
  ),
} as const satisfies Record<string, ProblemSpec>;

export type ProblemKey = keyof typeof PROBLEMS;

/** One problem found in one datagram. */
export interface Problem {
  readonly id: string;
  readonly category: ProblemCategory;
  readonly severity: Severity;
  /** A human sentence with the values involved. */
  readonly text: string;
  /** Byte range in the datagram the problem concerns. */
  readonly offset: number;
  readonly length: number;
  /** Filter name of the field it concerns, when there is one. */
  readonly field?: string;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { chat: 0, note: 1, warning: 2, error: 3 };

/** Values a problem's template names. */
export type ProblemValues = Readonly<Record<string, string | number>>;

/** The formats of problem templates: `{n:s}` a plural "s", `{n:hex2}` two hex digits. */
export const PROBLEM_FORMATS: Readonly<Record<string, TemplateFormat>> = {
  "": (v) => String(v),
  s: (v) => (v === 1 ? "" : "s"),
  hex2: (v) => Number(v).toString(16).padStart(2, "0"),
};

const compiled = new Map<string, (values: ProblemValues) => string>();

/** The sentence of a problem with these values (`variant`: one of its other sentences). */
export function problemText(key: ProblemKey, values: ProblemValues, variant?: string): string {
  const spec: ProblemSpec = PROBLEMS[key];
  const template = variant === undefined ? spec.text : spec.variants?.[variant];
  if (template === undefined) throw new Error(`problem ${key} has no sentence ${variant}`);
  let fill = compiled.get(template);
  if (!fill) {
    fill = compileTemplate<ProblemValues>(template, (name, format) => {
      const show = PROBLEM_FORMATS[format];
      if (!show) throw new Error(`problem template ${JSON.stringify(template)}: unknown format :${format}`);
      return (values) => show(values[name]);
    });
    compiled.set(template, fill);
  }
  return fill(values);
}
