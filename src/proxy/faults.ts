/**
 * Fault injection of the proxy: per direction (c2s: client to server, s2c: server to client),
 * seeded, so a run with the same seed and the same arrival order makes the same decisions.
 *
 *   loss P       drop the datagram
 *   dup P        send it twice (the copy right after it)
 *   delay MS±J   hold it MS ms plus a uniform jitter in [-J, +J] (timers; may reorder)
 *   reorder P    hold it and release it after the next datagram of the same direction (or after
 *                REORDER_HOLD_MS when none comes)
 *   corrupt P    flip one random bit of the datagram (header or payload)
 *   blackhole    CLIENT@T[-T2]: from T s after the start (until T2) nothing passes to or from that
 *                client (by username from its Connection Request, or by client ID)
 *   rules        scripted: per message type name (spec table), direction, nth match: drop, dup,
 *                corrupt or delay
 *
 * Option syntax (imp proxy): `--loss 0.2` (both directions) or `--loss c2s:0.1,s2c:0.3`; the same
 * for --dup, --reorder, --corrupt, and `--delay 20±5` (`20+-5`, or `c2s:20±5,s2c:0`).
 */
import { headerValue } from "../codec/header.js";
import { MESSAGES } from "../protocol/messages.js";
import { seededRandom } from "../util/random.js";

export type ProxyDirection = "c2s" | "s2c";
export const DIRECTIONS: readonly ProxyDirection[] = ["c2s", "s2c"];

export interface DirectionFaults {
  loss: number;
  dup: number;
  delayMs: number;
  jitterMs: number;
  reorder: number;
  corrupt: number;
}

export interface Blackhole {
  /** Username (from the Connection Request) or client ID (from the Connection Accept). */
  client: string | number;
  /** Seconds after the proxy started. */
  fromSec: number;
  /** Seconds after the proxy started; Infinity: for good. */
  untilSec: number;
}

export type RuleAction = "drop" | "dup" | "corrupt" | "delay";

export interface FaultRule {
  /** Message type code (Acknowledgements match with `ack: true`). */
  type: number;
  direction: ProxyDirection | "both";
  /** true: only acknowledgements of that type; false: only the messages; undefined: both. */
  ack?: boolean;
  action: RuleAction;
  /** Only the nth matching datagram (1-based); undefined: every match. */
  nth?: number;
  delayMs?: number;
}

export interface FaultSpec {
  c2s: DirectionFaults;
  s2c: DirectionFaults;
  blackholes: Blackhole[];
  rules: FaultRule[];
  seed: number;
}

export const NO_FAULTS: DirectionFaults = { loss: 0, dup: 0, delayMs: 0, jitterMs: 0, reorder: 0, corrupt: 0 };

export function emptyFaults(seed = 1): FaultSpec {
  return { c2s: { ...NO_FAULTS }, s2c: { ...NO_FAULTS }, blackholes: [], rules: [], seed };
}

/** True when the spec can change a datagram (otherwise the proxy takes its fast path). */
export function hasFaults(f: FaultSpec): boolean {
  const on = (d: DirectionFaults) => d.loss > 0 || d.dup > 0 || d.delayMs > 0 || d.jitterMs > 0 || d.reorder > 0 || d.corrupt > 0;
  return on(f.c2s) || on(f.s2c) || f.blackholes.length > 0 || f.rules.length > 0;
}

// ---- parsing ---------------------------------------------------------------------------------

export class FaultSyntaxError extends Error {}

function probability(option: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d*\.?\d+\s*$/.test(text) || !(n >= 0 && n <= 1))
    throw new FaultSyntaxError(`${option}: ${JSON.stringify(text)} is not a probability from 0 to 1`);
  return n;
}

/** Splits `c2s:0.1,s2c:0.3` or a bare value (both directions). */
function perDirection(option: string, text: string): Partial<Record<ProxyDirection, string>> {
  if (!text.includes(":")) return { c2s: text, s2c: text };
  const out: Partial<Record<ProxyDirection, string>> = {};
  for (const part of text.split(",")) {
    const m = /^\s*(c2s|s2c|both)\s*:\s*(.+)$/.exec(part);
    if (!m) throw new FaultSyntaxError(`${option}: ${JSON.stringify(part)} is not DIRECTION:VALUE (c2s, s2c or both)`);
    if (m[1] === "both" || m[1] === "c2s") out.c2s = m[2]!;
    if (m[1] === "both" || m[1] === "s2c") out.s2c = m[2]!;
  }
  return out;
}

/** `--loss`, `--dup`, `--reorder`, `--corrupt` into `spec`. */
export function parseProbabilityOption(spec: FaultSpec, field: "loss" | "dup" | "reorder" | "corrupt", text: string): void {
  for (const [dir, value] of Object.entries(perDirection(`--${field}`, text)) as [ProxyDirection, string][]) {
    spec[dir][field] = probability(`--${field}`, value);
  }
}

/** `--delay 20±5` (or `20+-5`, `20`, `c2s:20±5,s2c:0`). */
export function parseDelayOption(spec: FaultSpec, text: string): void {
  for (const [dir, value] of Object.entries(perDirection("--delay", text)) as [ProxyDirection, string][]) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(?:(?:±|\+-|\+\/-)\s*(\d+(?:\.\d+)?))?\s*$/.exec(value);
    if (!m) throw new FaultSyntaxError(`--delay: ${JSON.stringify(value)} is not MS or MS±JITTER (e.g. 20±5 or 20+-5)`);
    const delay = Number(m[1]);
    const jitter = Number(m[2] ?? 0);
    if (jitter > delay)
      throw new FaultSyntaxError(`--delay: jitter ${jitter} is larger than the delay ${delay} (delays cannot be negative)`);
    spec[dir].delayMs = delay;
    spec[dir].jitterMs = jitter;
  }
}

/** `--blackhole alice@5`, `3@2.5`, `alice@5-8`. */
export function parseBlackhole(text: string): Blackhole {
  const m = /^([^@]+)@(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m)
    throw new FaultSyntaxError(
      `--blackhole: ${JSON.stringify(text)} is not CLIENT@SECONDS or CLIENT@FROM-UNTIL (a username or a client ID)`,
    );
  const client = /^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!;
  const fromSec = Number(m[2]);
  const untilSec = m[3] === undefined ? Infinity : Number(m[3]);
  if (untilSec <= fromSec) throw new FaultSyntaxError(`--blackhole: ${text}: the end is not after the start`);
  return { client, fromSec, untilSec };
}

const TYPE_BY_NAME = new Map<string, number>(MESSAGES.map((m) => [m.name.toLowerCase(), m.code] as const));

/**
 * A scripted rule file: `{ "seed"?: 7, "rules": [{ "type": "Data Message", "direction": "s2c",
 * "action": "drop", "nth": 3 }, { "type": "Connection Accept", "ack": true, "action": "delay",
 * "delayMs": 800 }] }`. Types are the names of the spec table (or their codes); "Acknowledgement"
 * alone is not a type: say which type's ACK with `"ack": true`.
 */
export function parseRules(json: string, where = "rules"): { rules: FaultRule[]; seed?: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new FaultSyntaxError(`${where}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const list = (doc as { rules?: unknown })?.rules;
  if (!Array.isArray(list)) throw new FaultSyntaxError(`${where}: expected { "rules": [ ... ] }`);
  const rules = list.map((r: Record<string, unknown>, i): FaultRule => {
    const at = `${where}: rule ${i + 1}`;
    const typeText = r.type;
    const type = typeof typeText === "number" ? typeText : TYPE_BY_NAME.get(String(typeText ?? "").toLowerCase());
    if (type === undefined || !MESSAGES.some((m) => m.code === type)) {
      throw new FaultSyntaxError(
        `${at}: unknown type ${JSON.stringify(typeText)} (names as in the spec table: ${MESSAGES.map((m) => m.name).join(", ")})`,
      );
    }
    const direction = (r.direction ?? "both") as FaultRule["direction"];
    if (!["c2s", "s2c", "both"].includes(direction)) throw new FaultSyntaxError(`${at}: direction must be c2s, s2c or both`);
    const action = r.action as RuleAction;
    if (!["drop", "dup", "corrupt", "delay"].includes(action))
      throw new FaultSyntaxError(`${at}: action must be drop, dup, corrupt or delay`);
    const nth = r.nth;
    if (nth !== undefined && !(Number.isInteger(nth) && (nth as number) >= 1))
      throw new FaultSyntaxError(`${at}: nth must be a whole number from 1`);
    const delayMs = r.delayMs;
    if (action === "delay" && !(typeof delayMs === "number" && delayMs >= 0))
      throw new FaultSyntaxError(`${at}: a delay rule needs "delayMs" (milliseconds)`);
    const ack = r.ack;
    if (ack !== undefined && typeof ack !== "boolean") throw new FaultSyntaxError(`${at}: ack must be true or false`);
    return {
      type,
      direction,
      action,
      ...(ack !== undefined ? { ack } : {}),
      ...(nth !== undefined ? { nth: nth as number } : {}),
      ...(typeof delayMs === "number" ? { delayMs } : {}),
    };
  });
  const seed = (doc as { seed?: unknown }).seed;
  return { rules, ...(typeof seed === "number" ? { seed } : {}) };
}

/** One line describing the faults, for the proxy's start-up message. */
export function describeFaults(f: FaultSpec): string {
  if (!hasFaults(f)) return "no faults";
  const parts: string[] = [];
  for (const dir of DIRECTIONS) {
    const d = f[dir];
    const p: string[] = [];
    if (d.loss) p.push(`loss ${d.loss}`);
    if (d.dup) p.push(`dup ${d.dup}`);
    if (d.delayMs || d.jitterMs) p.push(`delay ${d.delayMs}±${d.jitterMs} ms`);
    if (d.reorder) p.push(`reorder ${d.reorder}`);
    if (d.corrupt) p.push(`corrupt ${d.corrupt}`);
    if (p.length) parts.push(`${dir}: ${p.join(", ")}`);
  }
  for (const b of f.blackholes)
    parts.push(`blackhole ${b.client} from ${b.fromSec} s${b.untilSec === Infinity ? "" : ` to ${b.untilSec} s`}`);
  if (f.rules.length) parts.push(`${f.rules.length} scripted rule${f.rules.length === 1 ? "" : "s"}`);
  return `${parts.join("; ")} (seed ${f.seed})`;
}

// ---- decisions -------------------------------------------------------------------------------

/** What happens to one datagram: copies to send (0: dropped), each after its delay. */
export interface FaultDecision {
  /** Each copy's bytes (a corrupted copy is a new buffer) and delay in ms (0: now). */
  out: { bytes: Uint8Array; delayMs: number }[];
  /** Hold until the next datagram of the direction has gone (reorder). */
  hold: boolean;
  /** What was done, for counters: "loss", "dup", "corrupt", "delay", "reorder", "blackhole", "rule:drop"... */
  applied: string[];
}

export interface FaultTarget {
  /** Client's username and ID when known. */
  name?: string;
  id?: number;
}

/**
 * The decisions of one proxy. Each direction draws from its own seeded generator; rules count
 * matches per rule. The spec may be replaced while running (`set`), e.g. by `imp demo`.
 */
export class FaultEngine {
  private spec: FaultSpec;
  private readonly random: Record<ProxyDirection, () => number>;
  private matches: number[] = [];
  private readonly t0: number;

  constructor(
    spec: FaultSpec,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.spec = spec;
    this.random = { c2s: seededRandom(spec.seed * 2 + 1), s2c: seededRandom(spec.seed * 2 + 2) };
    this.matches = spec.rules.map(() => 0);
    this.t0 = now();
  }

  get active(): boolean {
    return hasFaults(this.spec);
  }

  get current(): FaultSpec {
    return this.spec;
  }

  /** Replaces the faults (the generators and the start time go on). */
  set(spec: Partial<Omit<FaultSpec, "seed">>): void {
    this.spec = { ...this.spec, ...spec };
    if (spec.rules) this.matches = spec.rules.map(() => 0);
  }

  /** Is `target` cut off now? */
  blackholed(target: FaultTarget): boolean {
    if (this.spec.blackholes.length === 0) return false;
    const t = (this.now() - this.t0) / 1000;
    return this.spec.blackholes.some((b) => t >= b.fromSec && t < b.untilSec && (b.client === target.name || b.client === target.id));
  }

  decide(dir: ProxyDirection, bytes: Uint8Array, target: FaultTarget): FaultDecision {
    const applied: string[] = [];
    if (this.blackholed(target)) return { out: [], hold: false, applied: ["blackhole"] };
    const d = this.spec[dir];
    const rnd = this.random[dir];
    let copies = 1;
    let corrupt = false;
    let extraDelay = 0;
    // Scripted rules first: they name exact datagrams.
    if (this.spec.rules.length > 0 && bytes.length >= 1) {
      const type = headerValue(bytes, "type");
      const ack = headerValue(bytes, "ack") === 1;
      this.spec.rules.forEach((r, i) => {
        if (r.type !== type || (r.direction !== "both" && r.direction !== dir) || (r.ack !== undefined && r.ack !== ack)) return;
        const n = ++this.matches[i]!;
        if (r.nth !== undefined && r.nth !== n) return;
        applied.push(`rule:${r.action}`);
        if (r.action === "drop") copies = 0;
        else if (r.action === "dup") copies = Math.max(copies, 2);
        else if (r.action === "corrupt") corrupt = true;
        else extraDelay += r.delayMs ?? 0;
      });
      if (copies === 0) return { out: [], hold: false, applied };
    }
    // Always draw in the same order, so one fault's probability does not shift the others' draws.
    const lost = rnd() < d.loss;
    const dup = rnd() < d.dup;
    const flip = rnd() < d.corrupt;
    const bit = rnd();
    const reorder = rnd() < d.reorder;
    const jitter = rnd();
    if (lost) return { out: [], hold: false, applied: [...applied, "loss"] };
    if (dup) {
      copies = Math.max(copies, 2);
      applied.push("dup");
    }
    let out = bytes;
    if ((flip || corrupt) && bytes.length > 0) {
      out = Uint8Array.from(bytes);
      const at = Math.floor(bit * bytes.length * 8);
      out[at >> 3]! ^= 1 << (at & 7);
      if (flip) applied.push("corrupt");
    }
    let delay = extraDelay;
    if (d.delayMs > 0 || d.jitterMs > 0) {
      delay += Math.max(0, d.delayMs + (jitter * 2 - 1) * d.jitterMs);
      applied.push("delay");
    }
    if (reorder) applied.push("reorder");
    const list = [{ bytes: out, delayMs: delay }];
    for (let i = 1; i < copies; i++) list.push({ bytes: out, delayMs: delay });
    return { out: list, hold: reorder, applied };
  }
}
