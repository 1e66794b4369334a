import { describe, expect, it } from "vitest";
import { ArqLink, ManualClock, messageSize, SendBudget, SharedMessage, type LinkLimits } from "../../src/arq/index.js";
import { encode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";

const entry = (id: number) => ({ client_id: id, group: 1, username: `u${id}`, ip: "127.0.0.1", port: 1000 + id });

/** Every message the server and client send, as they build them. */
const SENT: MessageInput[] = [
  { type: 0x00, src: 0, group: 0, username: "alice" },
  { type: 0x01, src: 0, group: 0, client_id: 7 },
  { type: 0x02, src: 0, group: 0, error: 1 },
  { type: 0x03, src: 7, group: 1 },
  { type: 0x04, src: 7, group: 1, entry: [entry(1), entry(2), entry(3)] },
  { type: 0x04, src: 7, group: 1, entry: [] },
  { type: 0x05, src: 7, group: 1, data: "héllo 🙂" },
  { type: 0x05, src: 7, group: 1, payload: new Uint8Array(65_500) },
  { type: 0x06, src: 7, group: 0, mode: 1, invitees: [1, 2, 3] },
  { type: 0x07, src: 0, group: 0, mode: 0, new_group: 2 },
  { type: 0x08, src: 0, group: 0 },
  { type: 0x09, src: 7, group: 0, mode: 0, invite_group: 2, invitee: 3 },
  { type: 0x0a, src: 3, group: 0, mode: 0, invite_group: 2 },
  { type: 0x0b, src: 3, group: 0, mode: 1, invite_group: 2 },
  { type: 0x0c, src: 3, group: 0 },
  { type: 0x0d, src: 0, group: 2 },
  { type: 0x0e, src: 0, group: 255, entry: [entry(4)] },
  { type: 0x0f, src: 0, group: 255, client_id: 4 },
  { type: 0x10, src: 4, group: 0 },
];

describe("messageSize", () => {
  it.each(SENT.map((m) => [m.type, m] as const))("type 0x%s: equals the encoded length", (_t, m) => {
    expect(messageSize(m)).toBe(encode(m).length);
  });
});

function setup(limits: LinkLimits) {
  const clock = new ManualClock();
  const wire: Uint8Array[] = [];
  const link = new ArqLink({ clock, rto: 500, retries: 5, limits }, { transmit: (b) => void wire.push(b) });
  const ackLast = () => {
    const b = wire[wire.length - 1]!;
    link.receive({ type: b[0]! >> 3, seq: (b[0]! >> 1) & 1, ack: 1, src: 0, group: 0, hlen: 5, reserved: 0 } as ImpMessage);
  };
  return { clock, wire, link, ackLast };
}

const data = (n: number): MessageInput => ({ type: 5, src: 2, group: 1, payload: new Uint8Array(n) });

describe("ArqLink limits", () => {
  it("refuses a message past maxMessages (outstanding + queued) and queues nothing for it", () => {
    const { link, wire, ackLast } = setup({ maxMessages: 3, maxBytes: 1e9 });
    expect([link.send(data(1)), link.send(data(1)), link.send(data(1)), link.send(data(1))]).toEqual([true, true, true, false]);
    expect([link.held, link.queued, wire.length]).toEqual([3, 2, 1]);
    ackLast();
    expect(link.held).toBe(2);
    expect(link.send(data(1))).toBe(true);
  });

  it("refuses a message past maxBytes; held bytes are the encoded sizes, exact at the boundary", () => {
    const { link, ackLast } = setup({ maxMessages: 100, maxBytes: 250 });
    expect(link.send(data(100))).toBe(true); // 107
    expect(link.send(data(100))).toBe(true); // 214
    expect(link.send(data(30))).toBe(false); // 214 + 37 = 251 > 250
    expect(link.send(data(29))).toBe(true); // 214 + 36 = 250
    expect(link.heldBytes).toBe(250);
    ackLast();
    expect(link.heldBytes).toBe(143);
  });

  it("gives back to the budget what it held when settled, closed, or gone", () => {
    const budget = new SendBudget(1e9);
    const a = setup({ maxMessages: 10, maxBytes: 1e9, budget });
    const b = setup({ maxMessages: 10, maxBytes: 1e9, budget });
    a.link.send(data(10));
    a.link.send(data(20));
    b.link.send(data(30));
    expect(budget.bytes).toBe(17 + 27 + 37);
    a.ackLast();
    expect(budget.bytes).toBe(27 + 37);
    a.link.close();
    expect(budget.bytes).toBe(37);
    for (let i = 0; i < 6; i++) b.clock.advance(500); // 1 + 5 transmissions, then gone
    expect(b.link.isClosed).toBe(true);
    expect(budget.bytes).toBe(0);
    expect(budget.peak).toBe(81);
  });

  it("counts a SharedMessage once in the budget however many links hold it, until the last lets it go", () => {
    const budget = new SendBudget(1e9);
    const links = [0, 1, 2].map(() => setup({ maxMessages: 10, maxBytes: 1e9, budget }));
    const shared = new SharedMessage(data(1000));
    for (const l of links) l.link.send(shared);
    expect(budget.bytes).toBe(1007);
    expect(links.map((l) => l.link.heldBytes)).toEqual([1007, 1007, 1007]);
    links[0]!.ackLast();
    links[1]!.link.close();
    expect(budget.bytes).toBe(1007);
    links[2]!.ackLast();
    expect(budget.bytes).toBe(0);
    expect(budget.over).toBe(false);
  });

  it("without limits a link takes everything (the default)", () => {
    const clock = new ManualClock();
    const link = new ArqLink({ clock, rto: 500, retries: 5 }, { transmit: () => {} });
    for (let i = 0; i < 5000; i++) expect(link.send(data(10))).toBe(true);
    expect(link.held).toBe(5000);
  });
});
