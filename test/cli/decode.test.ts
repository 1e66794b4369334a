import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCaptureWriter } from "../../dissector/capture/index.js";
import { encode } from "../../src/codec/index.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";

const dir = mkdtempSync(join(tmpdir(), "imp-decode-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function imp(...argv: string[]) {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const client = { ip: "127.0.0.1", port: 40001 };
const server = { ip: "127.0.0.1", port: 1313 };

function writeCapture(name: string, format: "pcap" | "pcapng" = "pcapng"): string {
  const path = join(dir, name);
  const w = createCaptureWriter({ format });
  const t = 1_700_000_000;
  w.writeDatagram({ tsSec: t, tsNsec: 0, src: client, dst: server, payload: encode({ type: 0, seq: 1, username: "alice" }) });
  w.writeDatagram({ tsSec: t, tsNsec: 1000, src: server, dst: client, payload: encode({ type: 1, seq: 1, client_id: 1 }) });
  // Not IMP: a DNS-like datagram on another port.
  w.writeDatagram({
    tsSec: t + 1,
    tsNsec: 0,
    src: { ip: "127.0.0.1", port: 5353 },
    dst: { ip: "127.0.0.1", port: 5353 },
    payload: Buffer.from("ffffffffffff", "hex"),
  });
  // IMP on another port, found by the heuristic.
  w.writeDatagram({
    tsSec: t + 2,
    tsNsec: 0,
    src: { ip: "127.0.0.1", port: 4000 },
    dst: { ip: "127.0.0.1", port: 4001 },
    payload: encode({ type: 5, seq: 1, src: 1, group: 1, data: "hi" }),
  });
  writeFileSync(path, w.bytes());
  return path;
}

describe("imp decode --hex", () => {
  it("prints a Wireshark-style tree", async () => {
    const r = await imp("decode", "--hex", "2a02010007000568656c6c6f");
    expect(r.code).toBe(0);
    expect(r.out).toContain("0010 1... = Type: Data Message (0x05)");
    expect(r.out).toContain(".... ..1. = Sequence: 1");
    expect(r.out).toContain("Group ID: Public Group (1)");
    expect(r.out).toContain('Data: "hello"');
  });

  it("accepts spaces and colons and shows problems as expert info", async () => {
    const r = await imp("decode", "--hex", "28:02:01:00:07 00 0a 68 69");
    expect(r.code).toBe(0);
    expect(r.out).toContain("[Expert Info (Error/Malformed): Data Length 10 but only 2 payload bytes]");
  });

  it("prints JSON keyed by the imp.* names", async () => {
    const r = await imp("decode", "--hex", "3001000008800203", "-T", "json");
    expect(JSON.parse(r.out)).toMatchObject({ "imp.type": 6, "imp.src": 1, "imp.hlen": 8, "imp.mode": 1, "imp.invitees": [2, 3] });
  });

  it('decodes the empty datagram (--hex "") as malformed, too short, as inside a capture', async () => {
    const r = await imp("decode", "--hex", "");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("Instant Messenger Protocol, malformed (0 bytes)");
    expect(r.out).toContain("[Expert Info (Error/Malformed): Datagram of 0 bytes is shorter than the 5-byte header]");
    const json = await imp("decode", "--hex", "", "-T", "json");
    expect(json.code).toBe(0);
    expect(JSON.stringify(JSON.parse(json.out))).toContain("imp.malformed.short");
  });

  it.each([["zz"], ["abc"], ["0x1"]])("rejects invalid hex %j with exit 2 and one line", async (hex) => {
    const r = await imp("decode", "--hex", hex);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("invalid hex");
    expect(r.out).toBe("");
  });
});

describe("imp decode FILE", () => {
  it("decodes the IMP datagrams of a pcapng file, on port 1313 and heuristically", async () => {
    const r = await imp("decode", writeCapture("a.pcapng"));
    expect(r.code).toBe(0);
    expect(r.out.match(/^Frame \d+:/gm)).toEqual(["Frame 1:", "Frame 2:", "Frame 4:"]);
    expect(r.out).toContain("Username: alice");
    expect(r.out).toContain("Client ID: 1");
    expect(r.out).toContain("127.0.0.1:4000 → 127.0.0.1:4001");
  });

  it("--no-heuristic keeps to the IMP port; --port adds one", async () => {
    const file = writeCapture("b.pcap", "pcap");
    const plain = await imp("decode", file, "--no-heuristic");
    expect(plain.out.match(/^Frame \d+:/gm)).toEqual(["Frame 1:", "Frame 2:"]);
    const withPort = await imp("decode", file, "--no-heuristic", "--port", "4001");
    expect(withPort.out.match(/^Frame \d+:/gm)).toEqual(["Frame 4:"]);
  });

  it("prints a JSON array with frame, address and imp fields", async () => {
    const r = await imp("decode", writeCapture("c.pcapng"), "-T", "json");
    const list = JSON.parse(r.out) as Record<string, unknown>[];
    expect(list).toHaveLength(3);
    expect(list[0]).toMatchObject({
      "frame.number": 1,
      "ip.src": "127.0.0.1",
      "udp.srcport": 40001,
      "udp.dstport": 1313,
      imp: { "imp.username": "alice" },
    });
  });

  it("a missing file: one line on stderr, exit 2", async () => {
    const r = await imp("decode", join(dir, "nope.pcap"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.pcap: no such file\n$/);
  });

  it("a file that is no capture: one line naming the magic, exit 2", async () => {
    const path = join(dir, "text.pcap");
    writeFileSync(path, "GET / HTTP/1.1\r\n\r\n");
    const r = await imp("decode", path);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("not a pcap or pcapng file");
  });

  it("a truncated file: every packet before the damage, then the offset, exit 2", async () => {
    const full = writeCapture("d.pcap", "pcap");
    const bytes = (await import("node:fs")).readFileSync(full);
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = await imp("decode", cut);
    expect(r.code).toBe(2);
    expect(r.out.match(/^Frame \d+:/gm)).toEqual(["Frame 1:", "Frame 2:"]);
    expect(r.err).toMatch(/byte \d+/);
  });
});

describe("imp (real process)", () => {
  it("exits 2 with one line for bad input, 0 for good input", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8", timeout: 20_000 });
    const bad = run("decode", "--hex", "xyz");
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const good = run("decode", "--hex", "0901000005");
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(".... ...1 = Acknowledgement: Set");
  });
});
