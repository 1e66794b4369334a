/**
 * The pipeline API as `imp sniff` and the TUI use it: a live PacketSource (here a fake one that
 * replays a capture and honours stop()) gets one pass with first-pass facts whatever the filter
 * asks, -c stops the source, the same text as a file read comes out; a finished analyzer given
 * to dissect() shows the final view without being fed again.
 */
import { describe, expect, it } from "vitest";
import { readCapture, type CapturePacket } from "../../dissector/capture/index.js";
import { compileFilter } from "../../dissector/filter/index.js";
import { dissect } from "../../dissector/read/pipeline.js";
import { runRead } from "../../dissector/read/read.js";
import { CallbackSink, stringSink } from "../../dissector/read/sink.js";
import { fileSource, type PacketSource } from "../../dissector/source.js";
import { bundled, frameNumbers } from "./helpers.js";

/** Replays a capture as a live source would deliver it: until the end or stop(). */
function fakeLive(path: string): PacketSource & { stops: number; delivered: number } {
  let stopped = false;
  const src = {
    description: "fake live",
    live: true,
    stops: 0,
    delivered: 0,
    async run(onPacket: (p: CapturePacket) => void) {
      await readCapture(path, (p) => {
        if (stopped) return;
        src.delivered++;
        onPacket(p);
      });
      return { packets: src.delivered };
    },
    stop() {
      src.stops++;
      stopped = true;
    },
  };
  return src;
}

const filter = (text: string) => {
  const c = compileFilter(text);
  if (!c.ok) throw new Error(c.error.message);
  return c.filter;
};

describe("a live source", () => {
  it("prints what a file read prints", async () => {
    const live = stringSink();
    const file = stringSink();
    await runRead(fakeLive(bundled("packet-loss.pcapng")), {}, live);
    await runRead(fileSource(bundled("packet-loss.pcapng")), {}, file);
    expect(live.text()).toBe(file.text());
  });

  it("gets one pass with first-pass facts, even when the filter names a final-view field", async () => {
    const sink = stringSink();
    const r = await runRead(
      fakeLive(bundled("packet-loss.pcapng")),
      { filter: filter("imp.analysis.forced_disconnection || imp.analysis.retransmission == 19") },
      sink,
      () => {
        throw new Error("a live source is never reopened");
      },
    );
    expect(r.passes).toBe(1);
    expect(frameNumbers(sink.text())).toEqual([20]);
  });

  it("-c stops the source", async () => {
    const src = fakeLive(bundled("demo.pcapng"));
    const sink = stringSink();
    const r = await runRead(src, { count: 3 }, sink);
    expect(frameNumbers(sink.text())).toEqual([1, 2, 3]);
    expect(src.stops).toBe(1);
    expect(r.stoppedEarly).toBe(true);
  });

  it("stops when the sink's reader went away", async () => {
    const src = fakeLive(bundled("demo.pcapng"));
    let writes = 0;
    // A sink whose reader goes away after two lines.
    const sink = new CallbackSink(() => {});
    const commit = sink.commit.bind(sink);
    sink.commit = (end) => {
      commit(end);
      sink.closed = ++writes >= 2;
    };
    const r = await runRead(src, {}, sink);
    expect(r.stoppedEarly).toBe(true);
    expect(src.stops).toBe(1);
    expect(r.shown).toBe(2);
  });
});

describe("dissect", () => {
  it("with a finished analyzer shows its final view and does not feed it again", async () => {
    const path = bundled("packet-loss.pcapng");
    const first = await dissect(fileSource(path), {}, () => {});
    const frames = first.analyzer!.frames;
    const acked: number[] = [];
    const second = await dissect(fileSource(path), { analyzer: first.analyzer! }, (f) => {
      if (f.analysis().fields.some((x) => x.name === "imp.analysis.acked_in")) acked.push(f.number);
    });
    expect(second.passes).toBe(2);
    expect(first.analyzer!.frames).toBe(frames);
    expect(acked).toContain(19);
  });

  it("hands each frame its tree with the [IMP analysis] subtree, Info with names, and the filter fields asked for", async () => {
    const seen: string[] = [];
    await dissect(
      fileSource(bundled("centralized-messaging.pcapng")),
      { filter: filter("imp.data"), fields: ["imp.data", "udp.srcport"] },
      (f, fields) => {
        const tree = f.fullTree();
        expect(tree.children.at(-1)!.text).toBe("[IMP analysis]");
        seen.push(`${f.number} ${fields.values("imp.data")![0]} ${fields.values("udp.srcport")![0] === f.src.port} ${f.info()}`);
      },
    );
    expect(seen[0]).toBe('25 hello everyone true Data Message alice(1) → group 1 "hello everyone" seq=1');
    expect(seen).toHaveLength(6);
  });
});
