/**
 * Colours of the packet list per message type (a small table, as Wireshark's colouring rules):
 * connection types, data, group control, updates and lists, ACKs dim, malformed on red.
 */
import { MSG } from "../../protocol/messages.js";
import { TYPE_ACK, TYPE_MASK, TYPE_NONE } from "../model/packet-index.js";

export interface RowStyle {
  /** blessed tag names: fg colour, optional bg. */
  fg: string;
  bg?: string;
  bold?: boolean;
}

const CONNECTION: RowStyle = { fg: "green" };
const DATA: RowStyle = { fg: "white", bold: true };
const GROUP: RowStyle = { fg: "magenta" };
const UPDATE: RowStyle = { fg: "cyan" };
const ACK: RowStyle = { fg: "gray" };
const MALFORMED: RowStyle = { fg: "white", bg: "red", bold: true };
const OTHER: RowStyle = { fg: "yellow" };

const BY_TYPE = new Map<number, RowStyle>([
  [MSG.connRequest, CONNECTION],
  [MSG.connAccept, CONNECTION],
  [MSG.connReject, CONNECTION],
  [MSG.disconnect, CONNECTION],
  [MSG.data, DATA],
  [MSG.createRequest, GROUP],
  [MSG.createAccept, GROUP],
  [MSG.createReject, GROUP],
  [MSG.inviteRequest, GROUP],
  [MSG.inviteAccept, GROUP],
  [MSG.inviteReject, GROUP],
  [MSG.disjoint, GROUP],
  [MSG.dissolution, GROUP],
  [MSG.listRequest, UPDATE],
  [MSG.listResponse, UPDATE],
  [MSG.updateList, UPDATE],
  [MSG.updateDisconnection, UPDATE],
]);

/** Style of a row from its index type byte and malformed flag. */
export function rowStyle(type: number, malformed: boolean): RowStyle {
  if (malformed || type & TYPE_NONE) return MALFORMED;
  if (type & TYPE_ACK) return ACK;
  return BY_TYPE.get(type & TYPE_MASK) ?? OTHER;
}

/** The palette as legend lines for the help overlay. */
export const LEGEND: readonly [string, RowStyle][] = [
  ["connection, disconnection", CONNECTION],
  ["data", DATA],
  ["group control", GROUP],
  ["lists and updates", UPDATE],
  ["ACK", ACK],
  ["malformed", MALFORMED],
  ["reserved type", OTHER],
];

export const SEVERITY_STYLE: Readonly<Record<string, string>> = { error: "red", warning: "yellow", note: "cyan", chat: "blue" };

/** Wraps escaped text in the style's tags. */
export function styled(text: string, s: RowStyle, extra = ""): string {
  const open = `{${s.fg}-fg}${s.bg ? `{${s.bg}-bg}` : ""}${s.bold ? "{bold}" : ""}${extra}`;
  return `${open}${text}{/}`;
}
