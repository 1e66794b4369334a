/**
 * The statistics of tshark's `-z` that `imp read` knows, each a tap: it sees every packet of the
 * capture (IMP or not, whatever -Y shows, as tshark's taps do) and every IMP datagram, and
 * renders one text block after the packets. `parseTap` turns a `-z` argument into one.
 */
import type { UdpFrame } from "../../capture/parse-frame.js";
import type { CapturePacket } from "../../capture/packet.js";
import type { ReadFrame } from "../frame.js";
import { ExpertTap } from "./expert-tap.js";
import { IoStatTap } from "./io-stat.js";
import { UdpConversationsTap, UdpEndpointsTap } from "./udp-conversations.js";

export interface Tap {
  /** Every packet read, with its UDP datagram when it has one (null: not UDP, or not parsed). */
  packet?(packet: CapturePacket, udp: UdpFrame | null): void;
  /** Every IMP datagram (a reassembled one on its last fragment's frame), shown or not. */
  frame?(frame: ReadFrame): void;
  /** The text block, once every packet was read. */
  render(): string;
}

/** The -z arguments `parseTap` accepts, for the help and the error message. */
export const TAP_SYNTAX = ["io,stat,INTERVAL", "conv,udp", "endpoints,udp", "expert[,error|warn|note|chat]"] as const;

/** A `-z` argument as a tap; throws an Error with a one-line message for anything else. */
export function parseTap(spec: string): Tap {
  const io = /^io,stat,([0-9]*\.?[0-9]*)$/.exec(spec);
  if (io && io[1] !== "" && io[1] !== ".") return new IoStatTap(io[1]!);
  if (spec === "conv,udp") return new UdpConversationsTap();
  if (spec === "endpoints,udp") return new UdpEndpointsTap();
  const expert = /^expert(?:,(error|warn|note|chat))?$/i.exec(spec);
  if (expert) return new ExpertTap((expert[1]?.toLowerCase() as "error" | "warn" | "note" | "chat" | undefined) ?? "chat");
  throw new Error(`-z ${spec}: not a statistic impkit knows (${TAP_SYNTAX.join(", ")})`);
}
