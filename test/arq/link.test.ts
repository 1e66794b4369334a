import { describe, expect, it } from "vitest";
import { ArqLink, ManualClock } from "../../src/arq/index.js";
import { decode, type ImpMessage } from "../../src/codec/index.js";

function setup(retries = 5, rto = 500) {
  const clock = new ManualClock();
  const wire: ImpMessage[] = [];
  const gone: unknown[] = [];
  const settled: unknown[] = [];
  const link = new ArqLink(
    { clock, rto, retries },
    {
      transmit: (b) => wire.push(decode(b).message!),
      onGone: (m) => gone.push(m),
      onSettled: (m) => settled.push(m),
    },
  );
  return { clock, wire, gone, settled, link };
}

const data = (text: string) => ({ type: 5, src: 2, group: 1, data: text });

describe("ArqLink", () => {
  it("flips before send: the first message carries S=1, the next S=0", () => {
    const { link, wire } = setup();
    link.send(data("a"));
    link.receive({ ...wire[0]!, ack: 1 } as ImpMessage);
    link.send(data("b"));
    expect(wire.map((m) => m.seq)).toEqual([1, 0]);
  });

  it("keeps one message outstanding and queues the rest in order", () => {
    const { link, wire } = setup();
    link.send(data("a"));
    link.send(data("b"));
    link.send(data("c"));
    expect(wire.map((m) => m.data)).toEqual(["a"]);
    expect(link.queued).toBe(2);
    link.receive({ type: 5, seq: 1, ack: 1, src: 0, group: 0, hlen: 5, reserved: 0 });
    link.receive({ type: 5, seq: 0, ack: 1, src: 0, group: 0, hlen: 5, reserved: 0 });
    expect(wire.map((m) => m.data)).toEqual(["a", "b", "c"]);
  });

  it("ignores an ACK of the wrong sequence or type as stale", () => {
    const { link, wire } = setup();
    link.send(data("a"));
    expect(link.receive({ type: 5, seq: 0, ack: 1, src: 0, group: 0, hlen: 5, reserved: 0 })).toBe("stale-ack");
    expect(link.receive({ type: 6, seq: 1, ack: 1, src: 0, group: 0, hlen: 5, reserved: 0 })).toBe("stale-ack");
    expect(link.pending).not.toBeNull();
    expect(wire).toHaveLength(1);
  });

  it("retransmits byte-identically every RTO and declares the peer gone after exactly 1 + 5 transmissions", () => {
    const { link, wire, gone, clock } = setup();
    link.send(data("lost"));
    link.send(data("queued"));
    clock.advance(499);
    expect(wire).toHaveLength(1);
    clock.advance(1);
    expect(wire).toHaveLength(2);
    clock.advance(500 * 4);
    expect(wire).toHaveLength(6);
    expect(gone).toHaveLength(0);
    expect(new Set(wire.map((m) => JSON.stringify(m))).size).toBe(1);
    clock.advance(500);
    expect(wire).toHaveLength(6);
    expect(gone).toEqual([data("lost")]);
    expect(link.isClosed).toBe(true);
    clock.advance(10_000);
    expect(wire).toHaveLength(6);
  });

  it("honours configured RTO and retries", () => {
    const { link, wire, gone, clock } = setup(2, 100);
    link.send(data("x"));
    clock.advance(300);
    expect(wire).toHaveLength(3);
    expect(gone).toHaveLength(1);
  });

  it("classifies new and duplicate messages and answers a duplicate with the same ACK", () => {
    const { link, wire } = setup();
    const m = decode(Buffer.from("2a02010007000568656c6c6f", "hex")).message!; // S=1 data
    expect(link.receive(m)).toBe("new");
    link.ack(m, 0);
    expect(link.receive(m)).toBe("duplicate");
    expect(wire).toHaveLength(2);
    expect(wire[1]).toEqual(wire[0]);
    expect(wire[0]).toMatchObject({ type: 5, seq: 1, ack: 1, src: 0, group: 0, hlen: 5 });
    expect(link.receive({ ...m, seq: 0 })).toBe("new");
  });

  it("treats a first message with S=0 as a duplicate unless it is recognised by state", () => {
    const { link } = setup();
    const req = { type: 0, seq: 0, ack: 0, src: 0, group: 0, hlen: 13, reserved: 0, username: "bob" };
    expect(link.receive(req)).toBe("duplicate");
    expect(link.receive(req, { byState: true })).toBe("new");
  });

  it("settles an outstanding request implicitly with its response", () => {
    const { link, settled, clock, wire } = setup();
    link.send({ type: 3, src: 1, group: 1 });
    const resp = decode(Buffer.from("22010100250101616c6963650000007f0000019c410203626f6200000000000a0000071388", "hex")).message!;
    expect(link.receive(resp)).toBe("new");
    expect(settled).toHaveLength(1);
    clock.advance(5000);
    expect(wire).toHaveLength(1);
  });

  it("sends a response again for a duplicate request", () => {
    const { link, wire } = setup();
    const req = { type: 3, seq: 1, ack: 0, src: 1, group: 1, hlen: 5, reserved: 0 };
    expect(link.receive(req)).toBe("new");
    link.send({ type: 4, src: 1, group: 1, entry: [] }, { asResponse: true });
    expect(link.receive(req)).toBe("duplicate");
    expect(wire).toHaveLength(2);
    expect(wire[1]).toEqual(wire[0]);
  });
});
