/**
 * The `imp.analysis.*` fields: what the dissector's conversation analysis (ARQ tracking,
 * request/response matching) adds to a packet, declared once like Wireshark's
 * `tcp.analysis.*` fields. The dissector engineer extends this table; display filters, the
 * field list and completion pick new rows up without any other change.
 *
 * Types: `framenum` holds the number of another frame, `float` is seconds, `none` is a marker
 * whose presence is the information (feed it as `[true]`).
 */
import type { FilterField } from "./registry.js";

export const ANALYSIS_FIELDS = [
  {
    abbrev: "imp.analysis.retransmission", label: "Retransmission of frame", type: "framenum",
    blurb: "This message is a retransmission; the value is the frame of the original transmission",
  },
  {
    abbrev: "imp.analysis.duplicate_ack", label: "Duplicate ACK of frame", type: "framenum",
    blurb: "This ACK repeats an earlier one; the value is the frame of the first ACK",
  },
  {
    abbrev: "imp.analysis.stale_ack", label: "Stale ACK", type: "none",
    blurb: "This ACK matches no outstanding message (wrong Type or Sequence) and is ignored",
  },
  {
    abbrev: "imp.analysis.unacked", label: "Never acknowledged", type: "none",
    blurb: "No acknowledgement for this message was seen in the capture",
  },
  {
    abbrev: "imp.analysis.acked_in", label: "Acknowledged in frame", type: "framenum",
    blurb: "The frame of the ACK (or implicit acknowledgement) of this message",
  },
  {
    abbrev: "imp.analysis.ack_to", label: "Acknowledges frame", type: "framenum",
    blurb: "This ACK acknowledges the message in that frame",
  },
  {
    abbrev: "imp.analysis.ack_rtt", label: "ACK round-trip time", type: "float",
    blurb: "Seconds from the message (its first transmission) to its acknowledgement",
  },
  {
    abbrev: "imp.analysis.response_in", label: "Response in frame", type: "framenum",
    blurb: "The frame of the response to this request",
  },
  {
    abbrev: "imp.analysis.response_to", label: "Response to frame", type: "framenum",
    blurb: "This response answers the request in that frame",
  },
  {
    abbrev: "imp.analysis.forced_disconnect", label: "Forced disconnection", type: "none",
    blurb: "The last retransmission went unacknowledged: the peer is considered gone",
  },
  {
    abbrev: "imp.analysis.invite_timeout", label: "Invitation timed out", type: "none",
    blurb: "The invitee did not answer this Group Invitation Request within the timeout",
  },
] as const satisfies readonly FilterField[];
