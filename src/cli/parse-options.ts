/** Option parsers shared by commands: each throws CliError with a sentence that names the option. */
import { InvalidArgumentError, Option } from "commander";
import { DEFAULT_ARQ } from "../arq/link.js";
import { DEFAULT_PORT } from "../protocol/fields.js";

export function parseIntInRange(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** A number above 0 and at most 1 (a share). */
export function parseFraction(name: string): (value: string) => number {
  return (value) => {
    const n = /^\d*\.?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be a number above 0 and at most 1`);
    return n;
  };
}

export function parseChoice<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(", ")}`);
    }
    return value as T;
  };
}

/**
 * Hex with optional spaces, colons or a 0x prefix; null when it is not hex. "" is the empty
 * datagram (zero bytes), a valid input.
 */
export function parseHex(text: string): Buffer | null {
  const clean = text
    .trim()
    .replace(/^0x/i, "")
    .replace(/[\s:.-]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) return null;
  return Buffer.from(clean, "hex");
}

/** `-T text|json`, as imp stats and imp chat take it. */
export function textOrJsonOption(what: string): Option {
  return new Option("-T, --output-format <format>", `${what} or json`)
    .argParser((v: string) => {
      if (v === "text" || v === "json") return v;
      throw new InvalidArgumentError("-T must be text or json");
    })
    .default("text");
}

// ---------------------------------------------------------------------------------------------
// Durations: one table, one parser. Every option that takes a time goes through durationOption,
// so each quantity has one name and one unit in every command, and every one of them accepts a
// unit suffix. Parsed values are milliseconds, whatever the unit they were written in.

/** Units a duration may be written in, as milliseconds. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** The unit of a bare number (no suffix). */
export type DurationUnit = "ms" | "s";

/** A quantity measured in time: its one option name, the unit of a bare number, its bounds. */
export interface DurationQuantity {
  /** The one long option name of this quantity, in every command that takes it. */
  readonly flag: string;
  /** What a bare number means: the unit the specification (or the quantity's usual values) speaks in. */
  readonly unit: DurationUnit;
  /** Smallest and largest value, in milliseconds. */
  readonly min: number;
  readonly max: number;
  /**
   * A bare number below this (in `unit`) is refused as a unit slip, not taken at its word: `--rto
   * 0.5` (seconds, as imp read once took it) would otherwise be half a millisecond.
   */
  readonly bareMin?: number;
  /** The value WIRE.md gives, in milliseconds: the default wherever the quantity is taken. */
  readonly spec?: number;
}

/**
 * Every duration the CLI takes. Bare numbers are milliseconds for the retransmission timer (WIRE.md
 * section 4: 500 ms) and the timers at its scale; seconds for the invitation time-out (WIRE.md
 * section 5: 15 s) and for how long a run lasts. A suffix always works: 500ms, 0.5s, 15s, 2m, 1h.
 */
export const DURATIONS = {
  /** The stop-and-wait retransmission timer (server, client, scenario; assumed by the analysis). */
  rto: { flag: "--rto", unit: "ms", min: 1, max: 60_000, bareMin: 10, spec: DEFAULT_ARQ.rto },
  /** How long an invitee has to answer (server, scenario; assumed by the analysis; pending time in the client). */
  inviteTimeout: { flag: "--invite-timeout", unit: "s", min: 1, max: 600_000, spec: 15_000 },
  /** Longest a /wait of the client's scripts waits (as /sleep MS, in milliseconds). */
  waitTimeout: { flag: "--wait-timeout", unit: "ms", min: 0, max: 3_600_000 },
  /** The fuzzer's bound on an answer: a target silent for longer is hung. */
  hang: { flag: "--hang-ms", unit: "ms", min: 10, max: 600_000 },
  /** Pause between the steps of the printed demo. */
  pace: { flag: "--pace", unit: "ms", min: 0, max: 60_000 },
  /** Capture time the analysis of a one-pass read remembers (imp read, sniff, proxy): older state is forgotten. */
  stateWindow: { flag: "--state-window", unit: "ms", min: 1000, max: 7 * 24 * 3_600_000, bareMin: 1000 },
  /** How long a run lasts (fuzz campaign, proxy; sniff's -a duration:). */
  duration: { flag: "--duration", unit: "s", min: 1, max: 30 * 24 * 3_600_000 },
} as const satisfies Record<string, DurationQuantity>;

/** A duration as it is best read: 500ms, 15s, 2m. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Overrides of a quantity's bounds for one command (the client's invitations may never expire). */
export interface DurationBounds {
  min?: number;
  max?: number;
}

/**
 * Parses a duration of `q`: a number with a unit (500ms, 0.5s, 2m, 1h) or a bare number in the
 * quantity's unit; milliseconds. Throws InvalidArgumentError with a sentence (commander puts the
 * option and the value before it) that, for a bare number that reads as the other unit, gives
 * the spelling meant.
 */
export function parseDuration(text: string, q: DurationQuantity, bounds: DurationBounds = {}): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  const unitWord = q.unit === "ms" ? "milliseconds" : "seconds";
  if (!m) throw new InvalidArgumentError(`expected a number of ${unitWord}, or one with a unit (500ms, 0.5s, 2m)`);
  const [, digits, suffix] = m as unknown as [string, string, keyof typeof UNIT_MS | undefined];
  const n = Number(digits);
  const ms = n * UNIT_MS[suffix ?? q.unit];
  const min = bounds.min ?? q.min;
  const max = bounds.max ?? q.max;
  const range = `from ${formatDuration(min)} to ${formatDuration(max)}`;
  if (suffix === undefined) {
    // A bare number that makes sense only in the other unit is a slip, not a wish.
    const other: DurationUnit = q.unit === "ms" ? "s" : "ms";
    const otherMs = n * UNIT_MS[other];
    const tooSmall = q.bareMin !== undefined && n > 0 && n < q.bareMin;
    if ((tooSmall || ms < min || ms > max) && otherMs >= min && otherMs <= max) {
      throw new InvalidArgumentError(
        `a bare number is ${unitWord}: write ${digits}${other} if ${other === "s" ? "seconds" : "milliseconds"} are meant (${range})`,
      );
    }
    if (tooSmall)
      throw new InvalidArgumentError(
        `a bare number is ${unitWord}, and below ${q.bareMin} is surely a slip: write ${digits}${q.unit} if meant`,
      );
  }
  if (!(ms >= min && ms <= max)) throw new InvalidArgumentError(`must be ${range}`);
  return ms;
}

const DURATION_OPTIONS = new WeakSet<Option>();

/** True for an option made by durationOption (tests walk the program with it). */
export function isDurationOption(option: Option): boolean {
  return DURATION_OPTIONS.has(option);
}

export interface DurationOptionSettings extends DurationBounds {
  /** Short flag, as "-d". */
  short?: string;
  /** Default in milliseconds (shown as 500ms, 15s); the quantity's WIRE.md value when not given; null: none. */
  default?: number | null;
}

/**
 * The option of quantity `q`: `--rto <ms>`, `--invite-timeout <seconds>` (the placeholder names
 * the unit of a bare number); the parsed value is milliseconds.
 */
export function durationOption(q: DurationQuantity, description: string, settings: DurationOptionSettings = {}): Option {
  const flags = `${settings.short ? `${settings.short}, ` : ""}${q.flag} <${q.unit === "ms" ? "ms" : "seconds"}>`;
  const option = new Option(flags, `${description} (or with a unit: ${q.unit === "ms" ? "0.5s, 2m" : "500ms, 2m"})`).argParser(
    (v: string) => parseDuration(v, q, settings),
  );
  const byDefault = settings.default === undefined ? q.spec : settings.default;
  if (byDefault !== undefined && byDefault !== null) option.default(byDefault, formatDuration(byDefault));
  DURATION_OPTIONS.add(option);
  return option;
}

/**
 * A former option name, hidden from help and refused with the name that replaced it (never taken
 * with another meaning).
 */
export function renamedOption(oldFlag: string, replacement: string): Option {
  return new Option(`${oldFlag} <value>`).hideHelp().argParser(() => {
    throw new InvalidArgumentError(`${oldFlag} is now ${replacement}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Counts and other numbers taken by several commands, each with one name and one range.

/** `--retries <n>`: retransmissions after the first transmission (WIRE.md: up to 5). */
export function retriesOption(description: string): Option {
  return new Option("--retries <n>", description).argParser(parseIntInRange("--retries", 0, 255)).default(DEFAULT_ARQ.retries);
}

/** `--seed <n>`: the seed of a command's random decisions (32 bits). */
export function seedOption(description: string, defaultSeed?: number): Option {
  const option = new Option("--seed <n>", description).argParser(parseIntInRange("--seed", 0, 0xffffffff));
  return defaultSeed === undefined ? option : option.default(defaultSeed);
}

/** Adds one `--port` value to the list (repeatable option). */
function collectPort(value: string, previous: number[] | undefined): number[] {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError("must be a UDP port from 1 to 65535");
  return [...(previous ?? []), n];
}

/** `--port <port>`, repeatable: the UDP ports that carry IMP (none given: 1313). */
export function impPortsOption(): Option {
  return new Option("--port <port>", "UDP port that carries IMP (repeatable)")
    .argParser(collectPort)
    .default([] as number[], String(DEFAULT_PORT));
}
