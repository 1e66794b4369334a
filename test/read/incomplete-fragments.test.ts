/**
 * A datagram whose IP fragments never all arrive (IPv4 and IPv6) is reported, not lost: when the
 * reassembler gives it up (end of capture, time-out), `imp read` shows it, decoded as far as it
 * arrived, with a Reassemble expert item on its fragments' frame, and ends with one line on
 * standard error saying how many datagrams were never reassembled. Captures written with the
 * project's writer (fragments by buildUdpPackets).
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { buildUdpPackets, createCaptureWriter } from "../../dissector/capture/index.js";
import { encode } from "../../src/codec/index.js";
import { frameNumbers, imp, tempDir } from "./helpers.js";

const tmp = tempDir("imp-incomplete-");
afterAll(() => tmp.cleanup());

const list = encode({
  type: 4,
  seq: 1,
  src: 0,
  group: 1,
  entry: Array.from({ length: 250 }, (_, i) => ({ client_id: i + 1, group: 1, username: `user${i + 1}`, ip: "10.0.0.9", port: 40000 + i })),
});
const request = encode({ type: 3, seq: 1, src: 1, group: 1 });
const ack = encode({ type: 4, seq: 1, ack: 1, src: 1 });

const V4 = { client: { ip: "10.0.0.2", port: 40000 }, server: { ip: "10.0.0.1", port: 1313 }, ethertype: [0x08, 0x00], mtu: 576 };
const V6 = { client: { ip: "fd00::20", port: 40000 }, server: { ip: "2001:db8::10", port: 1313 }, ethertype: [0x86, 0xdd], mtu: 1280 };
type Family = typeof V4;

/** Frames: 1 the request; then the list's fragments of `keep` (indexes) at `gap` seconds apart; then the ACK (`ackAt` s). */
function write(name: string, f: Family, keep: (n: number) => number[], gap = 0.001, ackAt = 1): { path: string; parts: number } {
  const w = createCaptureWriter({ format: "pcapng", nanosecond: true });
  const t = 1_700_000_000;
  w.writeDatagram({ tsSec: t, tsNsec: 0, src: f.client, dst: f.server, payload: request });
  const parts = buildUdpPackets(f.server, f.client, list, { id: 0x1c46, mtu: f.mtu });
  keep(parts.length).forEach((i, n) => {
    const at = (n + 1) * gap;
    const frame = new Uint8Array(14 + parts[i]!.length);
    frame.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...f.ethertype]);
    frame.set(parts[i]!, 14);
    w.writeFrame(frame, { tsSec: t + Math.floor(at), tsNsec: Math.round((at % 1) * 1e9) });
  });
  w.writeDatagram({ tsSec: t + Math.floor(ackAt), tsNsec: Math.round((ackAt % 1) * 1e9), src: f.client, dst: f.server, payload: ack });
  const path = tmp.path(name);
  writeFileSync(path, w.bytes());
  return { path, parts: parts.length };
}

const lines = (t: string) => t.split("\n").filter((l) => l !== "");

for (const [family, f] of [
  ["IPv4", V4],
  ["IPv6", V6],
] as const) {
  describe(`${family} fragments that never all arrive`, () => {
    it("a missing middle fragment: the datagram is shown at the end of the capture, decoded as far as it came, with an expert item and a last line", async () => {
      const { path, parts } = write(`${family}-middle.pcapng`, f, (n) => [...Array(n).keys()].filter((i) => i !== 1));
      expect(parts).toBeGreaterThanOrEqual(3);
      const kept = parts - 1;
      const last = 1 + kept;
      const r = await imp("read", path);
      expect(r.code).toBe(0);
      // The request, the ACK, then the datagram given up at the end (numbered by its last fragment).
      expect(frameNumbers(r.out)).toEqual([1, last + 1, last]);
      const shown = lines(r.out)[2]!;
      expect(shown).toMatch(/User List Response/);
      expect(shown).toMatch(
        new RegExp(
          `\\[Fragments missing: \\d+ of ${list.length + 8} bytes in frames ${[...Array(kept).keys()].map((i) => i + 2).join(", ")}\\]`,
        ),
      );
      expect(shown).not.toMatch(/Malformed/);
      expect(r.err).toMatch(
        new RegExp(
          `^imp read: 1 IP datagram was never reassembled, fragments missing: ${family} \\S+ → \\S+ id \\S+, frames [\\d, ]+: \\d+ of ${list.length + 8} bytes \\(end of capture\\)\\n$`,
        ),
      );
      const v = await imp("read", path, "-V", "-Y", `frame.number == ${last}`);
      expect(v.out).toContain("[Never reassembled: fragments missing (end of capture)]");
      expect(v.out).toMatch(
        /\[Expert Info \(Warning\/Reassemble\): Datagram never reassembled: its IPv\d fragments in frames [\d, ]+ hold \d+ of its \d+ bytes; the rest never arrived \(end of capture\)\]/,
      );
      const json = JSON.parse((await imp("read", path, "-T", "json")).out) as {
        imp: { _expert?: { id: string }[] };
        "ip.reassembly_incomplete"?: string;
      }[];
      expect(json[2]!["ip.reassembly_incomplete"]).toBe("end of capture");
      expect(json[2]!.imp._expert?.map((e) => e.id)).toEqual(["imp.reassembly.incomplete"]);
      const z = await imp("read", path, "-q", "-z", "expert", "--no-analysis");
      expect(z.out).toMatch(/^Warns \(1\)$/m);
      expect(z.out).toMatch(/^ +1 Reassemble +IMP {2}Datagram never reassembled/m);
    });

    it("a missing first fragment: nothing to show (no UDP header), but the last line counts it", async () => {
      const { path, parts } = write(`${family}-first.pcapng`, f, (n) => [...Array(n).keys()].slice(1));
      const r = await imp("read", path);
      expect(frameNumbers(r.out)).toEqual([1, 1 + parts]);
      expect(lines(r.out)).toHaveLength(2);
      expect(r.err).toMatch(/^imp read: 1 IP datagram was never reassembled, fragments missing: .* of \d+ bytes \(end of capture\)\n$/);
    });

    it("a fragment older than the 30 s reassembly time-out is given up when the next packet comes, and reported then", async () => {
      const { path } = write(`${family}-late.pcapng`, f, () => [0], 0.001, 45);
      const r = await imp("read", path);
      // The first fragment (frame 2) is given up at the ACK (frame 3, 45 s later), shown after it.
      expect(frameNumbers(r.out)).toEqual([1, 3, 2]);
      expect(lines(r.out)[2]).toMatch(/\[Fragments missing: \d+ bytes, the last fragment missing, in frame 2\]/);
      expect(r.err).toMatch(/\(timeout\)\n$/);
    });

    it("a datagram whose fragments all arrive: no report", async () => {
      const { path } = write(`${family}-whole.pcapng`, f, (n) => [...Array(n).keys()]);
      const r = await imp("read", path);
      expect(r.err).toBe("");
      expect(r.out).not.toContain("Fragments missing");
    });
  });
}
