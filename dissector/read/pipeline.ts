/**
 * The read pipeline: a PacketSource in, one ReadFrame per displayed IMP datagram out, with the
 * conversation analysis fed on the way and the display filter applied. `imp read` (a file or
 * stdin), `imp sniff` (a live source) and the TUI share it.
 *
 * One pass, streamed, unless something needs the final view of the analysis (a filter or `-e`
 * field known only from later frames, such as `imp.analysis.acked_in`, or `-2`): then a first
 * pass only feeds the analyzer and a second pass over `reopen()` shows the frames, as tshark -2.
 * A live source (or one that cannot be reopened) always gets one pass with first-pass facts.
 */
import { CaptureFormatError } from "../capture/errors.js";
import type { IncompleteDatagram } from "../capture/ipv4-reassembly.js";
import { describeIncomplete } from "../incomplete-datagrams.js";
import { ConversationAnalyzer, type AnalysisInput, type AnalyzerOptions } from "../analysis/index.js";
import type { DisplayFilter } from "../filter/index.js";
import { readImpDatagrams, zeroCounters, type ImpDatagram, type ImpFrameCounters, type ImpFrameOptions } from "../imp-frames.js";
import type { Recognition } from "../recognize.js";
import type { PacketSource, SourceEnd } from "../source.js";
import { DEFAULT_PORT } from "../../src/protocol/fields.js";
import { MutableFrame, type ReadFrame } from "./frame.js";
import { fieldNeeds, FrameFields, type FieldNeeds } from "./frame-fields.js";

export interface DissectOptions {
  /** Which UDP datagrams are IMP (default: port 1313 and the heuristic). */
  recognition?: Recognition;
  /** Conversation analysis settings; `false` turns analysis off (no names, no marks). */
  analysis?: AnalyzerOptions | false;
  /**
   * An analyzer that already saw this whole capture (finished): the read shows its final view
   * and feeds it nothing, as the second pass of -2 does (`imp flow` reads the capture twice so).
   */
  analyzer?: ConversationAnalyzer;
  /** Display filter (-Y); only matching frames are shown. */
  filter?: DisplayFilter | null;
  /** Field names gathered per shown frame besides the filter's (`-T fields -e`). */
  fields?: readonly string[];
  /** Stop after this many shown frames (`imp flow -c`). */
  count?: number;
  /** Stop after reading this many packets of the capture, IMP or not (`imp read -c`, as tshark's). */
  packets?: number;
  /** Every packet of the (last) pass, IMP or not, before its datagram (the -z statistics). */
  onPacket?: ImpFrameOptions["onPacket"];
  /**
   * "auto" (default): two passes when the filter or `fields` name a field known only from later
   * frames; true: always (-2); false: never.
   */
  twoPass?: boolean | "auto";
  /** Opens the same capture again, for the second pass (file sources; not live ones). */
  reopen?: () => PacketSource;
  /** Polled after each shown frame: true ends the read quietly (the output's reader went away). */
  stopWhen?: () => boolean;
  /** Ask the analysis fields only of frames whose first-pass flags show a mark (default true). */
  markGate?: boolean;
  /**
   * A damaged capture: "throw" (default) rejects with CaptureFormatError once every frame before
   * the damage was shown; "report" resolves with it in `damage` (reports over what was read).
   */
  onDamage?: "throw" | "report";
}

export interface DissectResult {
  /** The analyzer, finished (final view) once the read is over; null with `analysis: false`. */
  analyzer: ConversationAnalyzer | null;
  /** Counters of the (last) pass. */
  counters: ImpFrameCounters;
  end: SourceEnd;
  /** Frames handed to the callback. */
  shown: number;
  /** 1 or 2. */
  passes: number;
  /** True when the read ended early (-c reached, `stopWhen`, or the source was stopped). */
  stoppedEarly: boolean;
  /** What the fields asked of each frame (which parts were computed). */
  needs: FieldNeeds;
  /** The damage that ended the read early (only with `onDamage: "report"`). */
  damage?: CaptureFormatError;
  /** Datagrams whose fragments never all arrived (of the last pass): how many, and the first few described. */
  incomplete: { count: number; examples: string[] };
}

/** Incomplete datagrams described at most in a DissectResult (the rest are only counted). */
export const INCOMPLETE_EXAMPLES = 5;

/** Thrown from inside the packet callback to end a file read early; never escapes. */
class StopReading extends Error {}

/** Whether the options ask for a second pass (before the source is known). */
export function needsTwoPass(options: Pick<DissectOptions, "filter" | "fields" | "twoPass">): boolean {
  if (options.twoPass === true) return true;
  if (options.twoPass === false) return false;
  return fieldNeeds([...(options.filter?.fields ?? []), ...(options.fields ?? [])]).later;
}

/**
 * Reads `source`, analyses every IMP datagram, and calls `onFrame` for each one the filter
 * shows (in capture order, synchronously; the frame and the field map are reused, valid only
 * during the call). Rejects with CaptureFormatError after every frame before the damage was
 * shown; errors thrown by `onFrame` pass through.
 */
export async function dissect(
  source: PacketSource,
  options: DissectOptions,
  onFrame: (frame: ReadFrame, fields: FrameFields) => void,
): Promise<DissectResult> {
  const recognition = options.recognition ?? { ports: [DEFAULT_PORT], heuristic: true };
  const given = options.analyzer?.finished ? options.analyzer : undefined;
  const analyzer =
    given ??
    (options.analysis === false
      ? null
      : new ConversationAnalyzer({ serverPort: recognition.ports[0] ?? DEFAULT_PORT, ...options.analysis }));
  const filter = options.filter && !options.filter.empty ? options.filter : null;
  const names = [...(filter?.fields ?? []), ...(options.fields ?? [])];
  const needs = fieldNeeds(names);
  const fields = new FrameFields(needs, names);
  const twoPass = !given && !source.live && options.reopen !== undefined && needsTwoPass(options);
  const limit = options.count ?? Number.POSITIVE_INFINITY;

  let firstSec = -1;
  let firstNsec = 0;
  const onStart = (tsSec: number, tsNsec: number) => {
    firstSec = tsSec;
    firstNsec = tsNsec;
  };

  let pending: unknown = null;
  let passes = given ? 2 : 1;
  if (twoPass && analyzer) {
    // Pass 1: analysis only. Damage ends it; pass 2 then shows what came before and reports it.
    try {
      await readImpDatagrams(
        source,
        (d) =>
          // A datagram never reassembled is shown, not analysed (it arrives late and in part).
          !d.incomplete &&
          analyzer.add({
            frame: d.frame,
            time: d.tsSec - firstSec + d.tsNsec * 1e-9,
            src: d.src,
            dst: d.dst,
            decoded: d.decoded,
            bytes: d.payload,
          }),
        { recognition, onStart },
      );
    } catch (e) {
      if (!(e instanceof CaptureFormatError)) throw e;
      pending = e;
    }
    analyzer.finish();
    source = options.reopen!();
    firstSec = -1;
    passes = 2;
  }
  const feed = analyzer !== null && passes === 1;
  const frame = new MutableFrame(analyzer);
  frame.view = passes === 2 ? "final" : "first";
  // First view: the analyzer's flags say which frames have a mark (fieldsOf for the others would
  // be a third of a summary line's cost, for nothing).
  const markFlags = analyzer && frame.view === "first" && options.markGate !== false ? analyzer : null;
  let shown = 0;
  let stoppedEarly = false;
  const stop = () => {
    stoppedEarly = true;
    source.stop();
    if (!source.live) throw new StopReading();
  };

  // One input object for every frame: the analyzer keeps nothing of it.
  const input: { -readonly [K in keyof AnalysisInput]: AnalysisInput[K] } = {
    frame: 0,
    time: 0,
    src: { ip: "", port: 0 },
    dst: { ip: "", port: 0 },
    decoded: null as unknown as AnalysisInput["decoded"],
    bytes: new Uint8Array(0),
  };
  const onDatagram = (d: ImpDatagram) => {
    if (stoppedEarly) return;
    if (feed && !d.incomplete) {
      input.frame = d.frame;
      // Seconds from the first packet's second: a double keeps nanoseconds there, not at 1.8e9 s.
      input.time = d.tsSec - firstSec + d.tsNsec * 1e-9;
      input.src = d.src;
      input.dst = d.dst;
      input.decoded = d.decoded;
      input.bytes = d.payload;
      analyzer.add(input);
    }
    frame.reset();
    frame.number = d.frame;
    frame.tsSec = d.tsSec;
    frame.tsNsec = d.tsNsec;
    frame.time = d.tsSec - firstSec + (d.tsNsec - firstNsec) * 1e-9;
    frame.refSec = firstSec;
    frame.refNsec = firstNsec;
    frame.src = d.src;
    frame.dst = d.dst;
    frame.ipVersion = d.ipVersion === 6 ? 6 : 4;
    frame.payload = d.payload;
    frame.decoded = d.decoded;
    frame.packet = d.packet;
    frame.fragments = d.fragments;
    frame.incomplete = d.incomplete ?? null;
    frame.mayHaveMarks = !d.incomplete && (markFlags === null || markFlags.hasFirstPassNotes(d.frame));
    if (filter) {
      fields.fill(frame);
      if (!filter.matches(fields)) return;
    } else if (names.length > 0) fields.fill(frame);
    shown++;
    onFrame(frame, fields);
    if (shown >= limit || options.stopWhen?.()) stop();
  };

  let result: { end: SourceEnd; counters: ImpFrameCounters };
  // Counted as the read goes: a damaged capture or an early stop keeps what was read until then.
  const counters = zeroCounters();
  const packetLimit = options.packets;
  const afterPacket =
    packetLimit === undefined
      ? undefined
      : () => {
          if (counters.packets >= packetLimit && !stoppedEarly) stop();
        };
  const incomplete = { count: 0, examples: [] as string[] };
  const onIncomplete = (g: IncompleteDatagram) => {
    incomplete.count++;
    if (incomplete.examples.length < INCOMPLETE_EXAMPLES) incomplete.examples.push(describeIncomplete(g));
  };
  try {
    result = await readImpDatagrams(source, onDatagram, {
      recognition,
      onStart,
      counters,
      onIncomplete,
      ...(options.onPacket ? { onPacket: options.onPacket } : {}),
      ...(afterPacket ? { afterPacket } : {}),
    });
  } catch (e) {
    if (e instanceof CaptureFormatError && options.onDamage === "report") pending = e;
    else if (!(e instanceof StopReading)) throw e;
    result = { end: { packets: counters.packets }, counters };
  }
  if (stoppedEarly === false && source.live && options.stopWhen?.()) stoppedEarly = true;
  if (analyzer && !analyzer.finished) analyzer.finish();
  const done: DissectResult = { analyzer, counters: result.counters, end: result.end, shown, passes, stoppedEarly, needs, incomplete };
  if (pending) {
    if (options.onDamage !== "report") throw pending;
    done.damage = pending as CaptureFormatError;
  }
  return done;
}
