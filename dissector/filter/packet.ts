/**
 * The packet side of display filters: the one thing a compiled filter asks of a packet.
 *
 * A filter never sees a tree, a decoded message or a capture record: the dissector (or a test)
 * hands it anything that answers `values(field)`. That keeps the filter engine free of any
 * packet representation and lets the CLI, the TUI and the tests feed it differently.
 */

/** One occurrence of a field: a number (integers, frame numbers, seconds), a string, or a flag. */
export type FilterValue = number | string | boolean;

/**
 * What a compiled filter reads from one packet.
 *
 * `values(field)` returns every occurrence of the field `field` (its filter name, `imp.type`)
 * in this packet, in tree order, or `undefined` (or an empty array) when the packet has none.
 * A field may occur several times: `imp.entry.username` once per list entry, `imp.invitees`
 * once per invitee, `expert.severity` once per expert item.
 *
 * Representation per registry type (see `FilterFieldType`):
 * - `uint`, `framenum`: a number (a boolean counts as 0/1);
 * - `float`: a number of seconds (`frame.time_relative`, `imp.analysis.ack_rtt`);
 * - `string`: a string (usernames without their padding, the payload as text);
 * - `ipv4`: a dotted quad `"127.0.0.1"` or the address as an unsigned 32-bit number;
 * - `none`, `protocol`: any value; only presence counts (`values("imp")` is `[true]` for a
 *   datagram dissected as IMP, malformed or not).
 *
 * Computed fields (`ip.addr`, `udp.port`) and groups (`imp.analysis`, `expert`) are resolved by
 * the filter itself: a packet only needs to answer for the fields it actually has.
 *
 * `values` is called during evaluation and must not allocate on the hot path: keep the arrays
 * built when the packet was dissected (a `Map<string, FilterValue[]>` is the usual backing).
 */
export interface FilterPacket {
  values(field: string): readonly FilterValue[] | undefined;
}

/** Fields of one packet as a plain record; a single value stands for one occurrence. */
export type FilterRecord = Readonly<Record<string, FilterValue | readonly FilterValue[] | undefined>>;

/**
 * A `FilterPacket` over a plain record, for tests and simple callers:
 * `recordPacket({ "frame.number": 1, imp: true, "imp.entry.username": ["alice", "bob"] })`.
 */
export function recordPacket(fields: FilterRecord): FilterPacket {
  const map = new Map<string, readonly FilterValue[]>();
  for (const [name, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    map.set(name, Array.isArray(v) ? (v as readonly FilterValue[]) : [v as FilterValue]);
  }
  return { values: (field) => map.get(field) };
}

/**
 * A growable `FilterPacket` for a dissector to fill while it walks one packet: `add` appends an
 * occurrence; `clear` empties it for the next packet (a CLI can reuse one instance per frame).
 */
export class FieldMap implements FilterPacket {
  private readonly map = new Map<string, FilterValue[]>();

  /** Appends one occurrence of `field`. */
  add(field: string, value: FilterValue): this {
    const list = this.map.get(field);
    if (list) list.push(value);
    else this.map.set(field, [value]);
    return this;
  }

  values(field: string): readonly FilterValue[] | undefined {
    return this.map.get(field);
  }

  /** Field names present, in the order they were first added. */
  names(): IterableIterator<string> {
    return this.map.keys();
  }

  clear(): void {
    this.map.clear();
  }
}
