/**
 * The client's user list: client ID <-> username <-> address <-> group, kept current from User
 * List Response (replace), Update List (upsert) and Update Disconnection (remove). Client IDs are
 * whatever the server assigned (the 2017 server picks them at random).
 */
import type { ListEntry } from "../codec/message.js";
import { addressKey, type Address } from "../transport/transport.js";

export interface RosterEntry {
  readonly id: number;
  readonly name: string;
  readonly group: number;
  readonly ip: string;
  readonly port: number;
}

export type RosterChange =
  | { kind: "joined"; entry: RosterEntry }
  | { kind: "changed"; entry: RosterEntry; previous: RosterEntry }
  | { kind: "same"; entry: RosterEntry };

function fromList(e: ListEntry): RosterEntry {
  return { id: e.client_id, name: e.username, group: e.group, ip: e.ip, port: e.port };
}

function sameEntry(a: RosterEntry, b: RosterEntry): boolean {
  return a.id === b.id && a.name === b.name && a.group === b.group && a.ip === b.ip && a.port === b.port;
}

export class Roster {
  private readonly byId = new Map<number, RosterEntry>();

  /** Replaces the whole list (User List Response); returns it in the server's order. */
  replace(entries: readonly ListEntry[]): RosterEntry[] {
    this.byId.clear();
    for (const e of entries) this.byId.set(e.client_id, fromList(e));
    return this.all();
  }

  /** Applies one Update List entry. */
  upsert(e: ListEntry): RosterChange {
    const entry = fromList(e);
    const previous = this.byId.get(entry.id);
    this.byId.set(entry.id, entry);
    if (!previous) return { kind: "joined", entry };
    return sameEntry(previous, entry) ? { kind: "same", entry } : { kind: "changed", entry, previous };
  }

  /** Removes a client (Update Disconnection, or a decentralized peer that went silent). */
  remove(id: number): RosterEntry | undefined {
    const e = this.byId.get(id);
    this.byId.delete(id);
    return e;
  }

  /** Records a group change this client knows of before the server says so (its own moves). */
  setGroup(id: number, group: number): void {
    const e = this.byId.get(id);
    if (e) this.byId.set(id, { ...e, group });
  }

  get(id: number): RosterEntry | undefined {
    return this.byId.get(id);
  }

  byName(name: string): RosterEntry | undefined {
    for (const e of this.byId.values()) if (e.name === name) return e;
    return undefined;
  }

  byAddress(a: Address): RosterEntry | undefined {
    const key = addressKey(a);
    for (const e of this.byId.values()) if (addressKey(e) === key) return e;
    return undefined;
  }

  /** A username first; otherwise a decimal client ID. */
  resolve(who: string | number): RosterEntry | undefined {
    if (typeof who === "number") return this.byId.get(who);
    return this.byName(who) ?? (/^\d{1,3}$/.test(who) ? this.byId.get(Number(who)) : undefined);
  }

  /** Members of `group` other than `exceptId`. */
  members(group: number, exceptId?: number): RosterEntry[] {
    return this.all().filter((e) => e.group === group && e.id !== exceptId);
  }

  /** Display name of an ID: the username, or `#id` for a client not in the list. */
  nameOf(id: number): string {
    return this.byId.get(id)?.name ?? `#${id}`;
  }

  all(): RosterEntry[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
