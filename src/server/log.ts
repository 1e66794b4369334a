/**
 * Server events and their two line formats. The server builds an event only when a logger is
 * set, so logging costs nothing when it is off.
 */
import type { Counters } from "./counters.js";

export type ServerEvent =
  | { event: "listening"; ip: string; port: number }
  | { event: "connected"; id: number; name: string; ip: string; port: number }
  | { event: "rejected"; name: string; ip: string; port: number; error: 0 | 1; reason: string }
  | { event: "accept-resent"; id: number }
  | { event: "established"; id: number }
  | { event: "list"; id: number; entries: number }
  | { event: "data"; id: number; group: number; bytes: number; relayed: number }
  | { event: "data-not-relayed"; id: number; group: number; reason: "not a member" | "decentralized group" }
  | { event: "group-reserved"; group: number; creator: number; mode: number; invitees: number[] }
  | { event: "group-created"; group: number; creator: number; accepter: number; mode: number }
  | { event: "group-creation-rejected"; group: number; creator: number; reason: string }
  | { event: "invited"; group: number; inviter: number; invitee: number; kind: "create" | "join" }
  | { event: "invitation-queued"; group: number; inviter: number; invitee: number; kind: "create" | "join"; position: number }
  | { event: "invitation-refused"; group: number; inviter: number; invitee: number; reason: string }
  | { event: "invitation-accepted"; group: number; inviter: number; invitee: number }
  | { event: "invitation-rejected"; group: number; inviter: number; invitee: number }
  | { event: "invitation-timeout"; group: number; inviter: number; invitee: number }
  | { event: "invitation-cancelled"; group: number; inviter: number; invitee: number; reason: string }
  | { event: "unsolicited-answer"; id: number; group: number }
  | { event: "joined"; id: number; group: number }
  | { event: "left"; id: number; group: number }
  | { event: "dissolved"; group: number; last: number }
  | {
      event: "disconnected";
      id: number;
      name: string;
      forced: boolean;
      /** Type of the message never acknowledged (forced). */
      unacked?: number;
      /** Why a client was disconnected as if forced without a time-out (its queue hit a cap). */
      reason?: string;
    }
  | { event: "half-open-dropped"; id: number; name: string; ip: string; port: number; reason: string }
  | { event: "disconnection-reacked"; id: number; ip: string; port: number }
  | { event: "dropped"; reason: string; ip: string; port: number; bytes: number; detail: string }
  | {
      event: "suppressed" /** Events of each kind held back by the log's rate limit since the last such line. */;
      counts: Record<string, number>;
    }
  | {
      event: "flood" /** Flood mode started (dropped datagrams reached the threshold in a second) or ended (quiet seconds in a row). */;
      state: "started" | "ended";
      /** Validated clients that have (started) or had (ended) a socket of their own. */
      clients: number;
    }
  | { event: "log-lines-dropped" /** Lines not written because the output did not take them fast enough. */; lines: number }
  | { event: "stopped"; signal: string; counters: Counters };

export type ServerLogger = (event: ServerEvent) => void;

export type LogFormat = "text" | "json";

/** One JSON object per line: a timestamp and the event's fields. */
export function formatJson(e: ServerEvent, at: Date = new Date()): string {
  return JSON.stringify({ ts: at.toISOString(), ...e });
}

/** One human line: timestamp, event name, then key=value pairs (the counters of "stopped" follow, one per line). */
export function formatText(e: ServerEvent, at: Date = new Date()): string {
  let line = `${at.toISOString()} ${e.event}`;
  for (const [k, v] of Object.entries(e)) {
    if (k === "event" || k === "counters") continue;
    line += ` ${k}=${textValue(v)}`;
  }
  if (e.event === "stopped") line += "\n" + formatCountersText(e.counters).replace(/^/gm, "  ");
  return line;
}

function textValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(",");
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Multi-line summary of the counters for a terminal. */
export function formatCountersText(c: Counters): string {
  const lines: string[] = [];
  const walk = (prefix: string, o: object) => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === "object") walk(`${prefix}${k}.`, v);
      else lines.push(`${prefix}${k} ${String(v)}`);
    }
  };
  walk("", c);
  return lines.join("\n");
}
