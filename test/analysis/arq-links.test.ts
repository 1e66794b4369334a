/**
 * The ARQ room on the 2017 implementation's patterns (issue 15, section 1), on pcap files written
 * by the project's capture writer and read back: several messages outstanding per link, the
 * Connection Accept sent again 500 ms later while the User List Response after it waits for its
 * ACK, ACKs that arrive after the re-send, a re-send after the ACK. Judged from what was sent, as
 * Wireshark's tcp.analysis.retransmission: the same bytes again on the same path before their ACK
 * are a retransmission of that message, whatever was sent in between.
 */
import { afterAll, describe, expect, it } from "vitest";
import { imp, lines, tempDir } from "../read/helpers.js";
import { writeFileSync } from "node:fs";
import { analyzeCapture, PcapScript, unflippedRepeats, type ReadBack } from "./pcap-script.js";
import { CAROL, SERVER, entry, expertIds, valuesOf } from "./scenario.js";

const ACCEPT = 0x01;
const LIST_RESPONSE = 0x04;
const DATA = 0x05;
const CAROL_ID = 7;
const dir = tempDir("imp-arq-links-");
afterAll(() => dir.cleanup());

const listResponse = { type: LIST_RESPONSE, seq: 0, src: CAROL_ID, group: 1, entry: [entry(CAROL_ID, "carol", CAROL)] };
const relay = (seq: number, text: string) => ({ type: DATA, seq, src: 3, group: 1, data: text });

/** carol connects; the server's Accept waits for its ACK while carol asks for the list. */
function connectAndList(s: PcapScript): { accept: number; list: number; response: number } {
  s.send(0, CAROL, SERVER, { type: 0x00, seq: 1, username: "carol" });
  const accept = s.send(0.002, SERVER, CAROL, { type: ACCEPT, seq: 1, client_id: CAROL_ID });
  // carol's ACK of the Accept is lost before the capture point; she goes on.
  const list = s.send(0.01, CAROL, SERVER, { type: 0x03, seq: 0, src: CAROL_ID, group: 1 });
  const response = s.send(0.012, SERVER, CAROL, listResponse);
  return { accept, list, response };
}

/** The marks `imp read` prints in the summary of each frame ("" when none). */
async function summaryMarks(bytes: Uint8Array, name: string, ...flags: string[]): Promise<string[]> {
  const path = dir.path(name);
  writeFileSync(path, bytes);
  const r = await imp("read", ...flags, path);
  expect(r.code).toBe(0);
  return lines(r.out).map((l) => [...l.matchAll(/\[([^\]]+)\]/g)].map((x) => x[1]).join("; "));
}

const marksOf = (rb: ReadBack, frame: number) => expertIds(rb.a, frame);

describe("the 2017 implementation's retransmissions, on pcap files", () => {
  it("the Accept sent again 500 ms later, after a User List Response, then the Response again: two retransmissions", async () => {
    const s = new PcapScript();
    const { accept, list, response } = connectAndList(s);
    const acceptAgain = s.send(0.502, SERVER, CAROL, { type: ACCEPT, seq: 1, client_id: CAROL_ID });
    const ackAccept = s.ack(0.504, CAROL, SERVER, ACCEPT, 1, CAROL_ID); // after the re-send
    const responseAgain = s.send(0.512, SERVER, CAROL, listResponse);
    const ackResponse = s.ack(0.514, CAROL, SERVER, LIST_RESPONSE, 0, CAROL_ID);
    const rb = await analyzeCapture(s.pcap());
    const { a } = rb;
    expect(valuesOf(a, acceptAgain)).toMatchObject({ retransmission: accept, transmission: 2 });
    expect(valuesOf(a, responseAgain)).toMatchObject({ retransmission: response, transmission: 2 });
    expect(marksOf(rb, acceptAgain)).toEqual(["retransmission"]);
    expect(marksOf(rb, responseAgain)).toEqual(["retransmission"]);
    // The ACKs that came after the re-sends settle the originals; the RTT counts from them.
    expect(valuesOf(a, ackAccept).ack_to).toBe(accept);
    expect(valuesOf(a, ackAccept).ack_rtt).toBeCloseTo(0.502, 6);
    expect(valuesOf(a, accept).acked_in).toBe(ackAccept);
    expect(valuesOf(a, ackResponse).ack_to).toBe(response);
    expect(valuesOf(a, response).response_to).toBe(list);
    expect(a.stats()).toMatchObject({ retransmissions: 2, seqNotFlipped: 0, unacked: 0, staleAcks: 0, duplicateAcks: 0 });
    expect(unflippedRepeats(rb)).toEqual([]);
    // What imp read prints: no [Unacked], no [Sequence not flipped], in either view.
    const first = await summaryMarks(s.pcap(), "issue-pattern.pcap");
    expect(first[acceptAgain - 1]).toBe("Retransmission of 2");
    expect(first[responseAgain - 1]).toBe("Retransmission of 4");
    const final = await summaryMarks(s.pcap(), "issue-pattern.pcap", "-2");
    expect(final.join("|")).not.toMatch(/Unacked|not flipped|Stale/);
  });

  it("several messages outstanding on one link: each ACK settles the oldest of its Type and Sequence", async () => {
    const s = new PcapScript();
    const d1 = s.send(0, SERVER, CAROL, relay(1, "one"));
    const d2 = s.send(0.001, SERVER, CAROL, relay(0, "two"));
    const d3 = s.send(0.002, SERVER, CAROL, relay(1, "three"));
    const a1 = s.ack(0.003, CAROL, SERVER, DATA, 1, CAROL_ID);
    const a2 = s.ack(0.004, CAROL, SERVER, DATA, 0, CAROL_ID);
    const a3 = s.ack(0.005, CAROL, SERVER, DATA, 1, CAROL_ID);
    const rb = await analyzeCapture(s.pcap());
    const pairs = [a1, a2, a3].map((f) => valuesOf(rb.a, f).ack_to);
    expect(pairs).toEqual([d1, d2, d3]);
    expect([d1, d2, d3].map((f) => valuesOf(rb.a, f).acked_in)).toEqual([a1, a2, a3]);
    expect(rb.a.stats()).toMatchObject({ seqNotFlipped: 0, unacked: 0, staleAcks: 0, duplicateAcks: 0, retransmissions: 0 });
  });

  it("an ACK that arrives after the sender moved on still settles its message (no [Unacked])", async () => {
    const s = new PcapScript();
    const d1 = s.send(0, SERVER, CAROL, relay(1, "one"));
    const d2 = s.send(0.001, SERVER, CAROL, relay(0, "two"));
    const a2 = s.ack(0.003, CAROL, SERVER, DATA, 0, CAROL_ID);
    const d1again = s.send(0.5, SERVER, CAROL, relay(1, "one"));
    const a1 = s.ack(0.502, CAROL, SERVER, DATA, 1, CAROL_ID);
    const rb = await analyzeCapture(s.pcap());
    expect(valuesOf(rb.a, a2).ack_to).toBe(d2);
    expect(valuesOf(rb.a, d1again)).toMatchObject({ retransmission: d1, transmission: 2 });
    expect(valuesOf(rb.a, a1)).toMatchObject({ ack_to: d1 });
    expect(valuesOf(rb.a, d1).unacked).toBeUndefined();
    expect(rb.a.stats()).toMatchObject({ unacked: 0, staleAcks: 0, seqNotFlipped: 0 });
  });

  it("the Accept sent again after its ACK crossed it: a spurious retransmission, and its ACK again a duplicate ACK", async () => {
    const s = new PcapScript();
    const { accept, response } = connectAndList(s);
    const ackAccept = s.ack(0.49, CAROL, SERVER, ACCEPT, 1, CAROL_ID);
    const acceptAgain = s.send(0.502, SERVER, CAROL, { type: ACCEPT, seq: 1, client_id: CAROL_ID });
    const ackAgain = s.ack(0.504, CAROL, SERVER, ACCEPT, 1, CAROL_ID);
    const ackResponse = s.ack(0.506, CAROL, SERVER, LIST_RESPONSE, 0, CAROL_ID);
    const rb = await analyzeCapture(s.pcap());
    const { a } = rb;
    expect(valuesOf(a, ackAccept).ack_to).toBe(accept);
    expect(valuesOf(a, acceptAgain)).toMatchObject({ spurious_retransmission: accept, transmission: 2 });
    expect(valuesOf(a, ackAgain)).toMatchObject({ duplicate_ack: ackAccept, duplicate_ack_num: 1 });
    expect(valuesOf(a, ackResponse).ack_to).toBe(response);
    expect(a.stats()).toMatchObject({ spuriousRetransmissions: 1, duplicateAcks: 1, staleAcks: 0, seqNotFlipped: 0, unacked: 0 });
    const marks = await summaryMarks(s.pcap(), "resend-after-ack.pcap");
    expect(marks[acceptAgain - 1]).toBe("Spurious retransmission of 2");
    expect(marks[ackAgain - 1]).toBe(`Dup ACK of ${ackAccept}`);
  });

  it("a frame byte-identical to an unacknowledged one is its retransmission even long after, never 'Sequence not flipped'", async () => {
    const s = new PcapScript();
    const d1 = s.send(0, SERVER, CAROL, relay(1, "one"));
    s.send(0.001, SERVER, CAROL, relay(0, "two"));
    s.send(0.002, SERVER, CAROL, relay(1, "three"));
    const again = s.send(3, SERVER, CAROL, relay(1, "one"));
    const rb = await analyzeCapture(s.pcap());
    expect(valuesOf(rb.a, again)).toMatchObject({ retransmission: d1, transmission: 2 });
    expect(valuesOf(rb.a, again).seq_not_flipped).toBeUndefined();
    expect(unflippedRepeats(rb)).toEqual([]);
    // A changed message with the Sequence kept is still flagged.
    const s2 = new PcapScript();
    const e1 = s2.send(0, SERVER, CAROL, relay(1, "one"));
    const e2 = s2.send(0.5, SERVER, CAROL, relay(1, "other"));
    const rb2 = await analyzeCapture(s2.pcap());
    expect(valuesOf(rb2.a, e2).seq_not_flipped).toBe(e1);
    expect(valuesOf(rb2.a, e1).unacked).toBe(true);
  });

  it("identical bytes after the ACK and another message are a new message (the alternating bit repeats them)", async () => {
    const s = new PcapScript();
    s.send(0, SERVER, CAROL, relay(1, "ok"));
    s.ack(0.001, CAROL, SERVER, DATA, 1, CAROL_ID);
    s.send(0.002, SERVER, CAROL, relay(0, "sure"));
    s.ack(0.003, CAROL, SERVER, DATA, 0, CAROL_ID);
    const ok2 = s.send(0.004, SERVER, CAROL, relay(1, "ok"));
    const ack = s.ack(0.005, CAROL, SERVER, DATA, 1, CAROL_ID);
    const rb = await analyzeCapture(s.pcap());
    expect(valuesOf(rb.a, ok2).retransmission).toBeUndefined();
    expect(valuesOf(rb.a, ok2).spurious_retransmission).toBeUndefined();
    expect(valuesOf(rb.a, ack).ack_to).toBe(ok2);
    expect(rb.a.stats()).toMatchObject({ retransmissions: 0, spuriousRetransmissions: 0, seqNotFlipped: 0, duplicateAcks: 0 });
  });

  it("an earlier message sent 1 + 5 times without an ACK: the forced disconnection is on its last transmission", async () => {
    const s = new PcapScript();
    const { accept, response } = connectAndList(s);
    s.ack(0.014, CAROL, SERVER, LIST_RESPONSE, 0, CAROL_ID);
    const tx = [accept];
    for (let i = 1; i <= 5; i++) tx.push(s.send(0.002 + 0.5 * i, SERVER, CAROL, { type: ACCEPT, seq: 1, client_id: CAROL_ID }));
    const rb = await analyzeCapture(s.pcap());
    for (let i = 1; i <= 5; i++) expect(valuesOf(rb.a, tx[i]!)).toMatchObject({ retransmission: accept, transmission: i + 1 });
    expect(valuesOf(rb.a, tx[5]!).forced_disconnection).toBe(CAROL_ID);
    expect(valuesOf(rb.a, accept).unacked).toBe(true);
    expect(valuesOf(rb.a, response).unacked).toBeUndefined();
    expect(rb.a.stats()).toMatchObject({ retransmissions: 5, forcedDisconnections: 1, unacked: 1, seqNotFlipped: 0 });
    expect(rb.a.groupEvents.find((e) => e.kind === "left")).toMatchObject({ client: CAROL_ID, reason: "forced", frame: tx[5] });
  });
});
