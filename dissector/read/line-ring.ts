/**
 * What a parallel summary read passes from its dissecting thread back to its formatting thread
 * (over a SlotRing): for each shown datagram, what its summary line needs. Records:
 * - FRAME   number, tsSec (low, high), tsNsec, src column, dst column, datagram id (see
 *           datagram-ring.ts; -1: none), tail id (-1: none), tail new (0/1); the payload bytes
 *           unless the tail is a known one. A tail is all a line holds after its time (columns,
 *           Info, newline): the dissecting side numbers the distinct ones (a datagram between two
 *           endpoints, with the names as they are) and the formatting side keeps them by number.
 * - REF     refSec (low, high), refNsec. The time origin of the frames that follow.
 * - COLUMN  id; text. What the Source/Destination column `id` shows from now on.
 * - NAME    client, known (0/1); username. The name of a client as of the next frames.
 * - MARKS   the analysis marks of the next FRAME, as text.
 * - END     ok (0/1), shown, passes, stopped early (0/1), damage offset (low, high; -1 when
 *           none), milliseconds the worker waited for datagrams; the damage message or the
 *           error: how the dissection ended. No record follows.
 * Word 0 of a record is its kind plus, from bit 8, the byte length of its bytes (payload or
 * UTF-8 text), which follow its fixed words, padded to a word.
 */
import { Buffer } from "node:buffer";
import { hiOf, joinWords, loOf, SlotReader, SlotWriter, wordsFor, type RingLayout } from "./slot-ring.js";

const R_FRAME = 1;
const R_REF = 2;
const R_COLUMN = 3;
const R_NAME = 4;
const R_MARKS = 5;
const R_END = 6;

/** Words of a FRAME record before its payload. */
const FRAME_WORDS = 10;

export const LINE_RING: RingLayout = { slots: 8, slotBytes: 256 * 1024 };

/** Tails each side keeps (by tail id % TAIL_SLOTS). */
export const TAIL_SLOTS = 65536;

/**
 * The dissecting side's numbering of tails: the same datagram (by datagram id) between the same
 * columns has the same tail until a name changes (`forget()`). Ids grow; id % TAIL_SLOTS is the
 * slot the formatting side keeps it in, taken over by a later id (which forgets the earlier).
 */
export class TailIds {
  private readonly byPair = new Map<number, Map<number, number>>();
  /** The (pair, datagram) of each slot's id, to forget it when the slot is taken over. */
  private readonly slotPair = new Float64Array(TAIL_SLOTS).fill(-1);
  private readonly slotDatagram = new Int32Array(TAIL_SLOTS);
  private next = 0;
  /** Whether the last `of()` gave a new id. */
  fresh = false;

  /** The tail id of datagram `id` from column `src` to `dst`. */
  of(src: number, dst: number, id: number): number {
    const pair = src * 0x20000 + dst;
    let byDatagram = this.byPair.get(pair);
    const known = byDatagram?.get(id);
    if (known !== undefined) {
      this.fresh = false;
      return known;
    }
    const tail = this.next;
    this.next = (this.next + 1) & 0x3fffffff;
    const slot = tail % TAIL_SLOTS;
    if (this.slotPair[slot]! >= 0) this.byPair.get(this.slotPair[slot]!)?.delete(this.slotDatagram[slot]!);
    this.slotPair[slot] = pair;
    this.slotDatagram[slot] = id;
    if (byDatagram === undefined) this.byPair.set(pair, (byDatagram = new Map()));
    byDatagram.set(id, tail);
    this.fresh = true;
    return tail;
  }

  /** Every tail changes (a name did): new ids from now on. */
  forget(): void {
    this.byPair.clear();
    this.slotPair.fill(-1);
  }
}

/** The dissecting thread's end. */
export class LineRingWriter extends SlotWriter {
  frame(
    number: number,
    tsSec: number,
    tsNsec: number,
    src: number,
    dst: number,
    id: number,
    tail: number,
    tailNew: boolean,
    payload: Uint8Array,
  ): void {
    const len = tail >= 0 && !tailNew ? 0 : payload.length;
    const at = this.room(FRAME_WORDS + wordsFor(len));
    const w = this.words;
    w[at] = R_FRAME | (len << 8);
    w[at + 1] = number;
    w[at + 2] = loOf(tsSec);
    w[at + 3] = hiOf(tsSec);
    w[at + 4] = tsNsec;
    w[at + 5] = src;
    w[at + 6] = dst;
    w[at + 7] = id;
    w[at + 8] = tail;
    w[at + 9] = tailNew ? 1 : 0;
    const out = this.bytes;
    const start = (at + FRAME_WORDS) * 4;
    if (len <= 32) for (let i = 0; i < len; i++) out[start + i] = payload[i]!;
    else out.set(payload, start);
  }

  ref(refSec: number, refNsec: number): void {
    const at = this.room(4);
    const w = this.words;
    w[at] = R_REF;
    w[at + 1] = loOf(refSec);
    w[at + 2] = hiOf(refSec);
    w[at + 3] = refNsec;
  }

  column(id: number, text: string): void {
    this.textRecord(R_COLUMN, [id], text);
  }

  name(client: number, name: string | undefined): void {
    this.textRecord(R_NAME, [client, name === undefined ? 0 : 1], name ?? "");
  }

  marks(text: string): void {
    this.textRecord(R_MARKS, [], text);
  }

  /** Ends the stream with how the dissection ended: the END record, and the last slot published. */
  close(end: LineRingEnd): void {
    const text = Buffer.from(end.ok ? "" : end.damage ? end.damage.message : end.error, "utf8");
    const at = this.room(8 + wordsFor(text.length));
    const w = this.words;
    w[at] = R_END | (text.length << 8);
    w[at + 1] = end.ok ? 1 : 0;
    w[at + 2] = end.ok ? end.shown : 0;
    w[at + 3] = end.ok ? end.passes : 0;
    w[at + 4] = end.ok && end.stoppedEarly ? 1 : 0;
    w[at + 5] = !end.ok && end.damage ? loOf(end.damage.offset) : -1;
    w[at + 6] = !end.ok && end.damage ? hiOf(end.damage.offset) : -1;
    w[at + 7] = end.ok ? Math.round(end.waitedMs) : 0;
    this.bytes.set(text, (at + 8) * 4);
    this.publish();
  }

  private textRecord(kind: number, fixed: readonly number[], text: string): void {
    const bytes = Buffer.from(text, "utf8");
    const at = this.room(1 + fixed.length + wordsFor(bytes.length));
    this.words[at] = kind | (bytes.length << 8);
    for (let i = 0; i < fixed.length; i++) this.words[at + 1 + i] = fixed[i]!;
    this.bytes.set(bytes, (at + 1 + fixed.length) * 4);
  }
}

/** How the dissecting thread's work ended. */
export type LineRingEnd =
  | { ok: true; shown: number; passes: number; stoppedEarly: boolean; waitedMs: number }
  | { ok: false; damage: { message: string; offset: number } }
  | { ok: false; damage?: undefined; error: string };

/** What a line ring reader hands its handler, record by record. */
export interface LineHandler {
  /** A shown datagram; its payload is `bytes[start, start + length)` (valid during the call). */
  frame(
    number: number,
    tsSec: number,
    tsNsec: number,
    src: number,
    dst: number,
    id: number,
    tail: number,
    tailNew: boolean,
    bytes: Uint8Array,
    start: number,
    length: number,
  ): void;
  ref(refSec: number, refNsec: number): void;
  column(id: number, text: string): void;
  name(client: number, name: string | undefined): void;
  marks(text: string): void;
}

/** The formatting thread's end. */
export class LineRingReader extends SlotReader {
  /** How the dissection ended, once the END record was read. */
  end: LineRingEnd | null = null;

  /** Hands the records of the published slot to `h` and frees the slot; false after END. */
  consume(h: LineHandler): boolean {
    const [base, end] = this.span();
    const w = this.words;
    const bytes = this.bytes;
    let at = base;
    let more = true;
    while (at < end) {
      const head = w[at]!;
      const kind = head & 0xff;
      const len = head >>> 8;
      if (kind === R_FRAME) {
        h.frame(
          w[at + 1]!,
          joinWords(w[at + 2]!, w[at + 3]!),
          w[at + 4]!,
          w[at + 5]!,
          w[at + 6]!,
          w[at + 7]!,
          w[at + 8]!,
          w[at + 9] === 1,
          bytes,
          (at + FRAME_WORDS) * 4,
          len,
        );
        at += FRAME_WORDS + wordsFor(len);
      } else if (kind === R_REF) {
        h.ref(joinWords(w[at + 1]!, w[at + 2]!), w[at + 3]!);
        at += 4;
      } else if (kind === R_COLUMN) {
        const start = (at + 2) * 4;
        h.column(w[at + 1]!, this.text(start, start + len));
        at += 2 + wordsFor(len);
      } else if (kind === R_NAME) {
        const start = (at + 3) * 4;
        h.name(w[at + 1]!, w[at + 2] === 1 ? this.text(start, start + len) : undefined);
        at += 3 + wordsFor(len);
      } else if (kind === R_MARKS) {
        const start = (at + 1) * 4;
        h.marks(this.text(start, start + len));
        at += 1 + wordsFor(len);
      } else {
        this.end = this.ended(at, len);
        more = false;
        break;
      }
    }
    this.release();
    return more;
  }

  private ended(at: number, len: number): LineRingEnd {
    const w = this.words;
    if (w[at] !== (R_END | (len << 8))) return { ok: false, error: `unexpected record ${w[at]! & 0xff} in the line ring` };
    if (w[at + 1] === 1) return { ok: true, shown: w[at + 2]!, passes: w[at + 3]!, stoppedEarly: w[at + 4] === 1, waitedMs: w[at + 7]! };
    const text = this.text((at + 8) * 4, (at + 8) * 4 + len);
    if (w[at + 5] === -1 && w[at + 6] === -1) return { ok: false, error: text };
    return { ok: false, damage: { message: text, offset: joinWords(w[at + 5]!, w[at + 6]!) } };
  }
}
