/**
 * tshark's flags in `imp read`, each run against tshark 4.0 on the same capture (written by the
 * project's writer: two clients chatting with the server over 12 s, non-IMP UDP datagrams in
 * between, one malformed IMP datagram). tshark does not know IMP: its side loads the Lua
 * dissector of `imp lua` (-X lua_script:). What must match is compared: frame numbers, times in
 * every -t format (to the microsecond impkit prints), -c's packet count, the -z tables' rows,
 * the raw bytes and positions of -x, PDML shownames and positions, ek's frame/IP/UDP values,
 * and -d's decode-as. The tshark runs go in parallel, once, before the tests.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { generateScript, pdmlShownames } from "../lua/helpers.js";
import { missingTools } from "../capture/helpers.js";
import { suiteName, suiteSkipReason } from "../needs.js";
import { client, imp, SERVER, tempDir, writeCapture, type Dgram } from "./helpers.js";

const skip = suiteSkipReason(missingTools(["tshark"]).length > 0 ? "tshark not installed" : null);
const tmp = tempDir("imp-tshark-flags-");
afterAll(() => tmp.cleanup());

const ALICE = client(40001);
const BOB = { ip: "10.0.0.3", port: 40002 };
const DISCARD = { src: { ip: "10.0.0.9", port: 40999 }, dst: { ip: "10.0.0.1", port: 9 } };
/** Not IMP for either side: two bytes, too short for a header, to the discard port. */
const notImp = (t: number): Dgram => ({ ...DISCARD, payload: Uint8Array.of(0x7a, 0x7a), t });

function chat(): Dgram[] {
  const d = (src: Dgram["src"], dst: Dgram["dst"], payload: Uint8Array, t: number): Dgram => ({ src, dst, payload, t });
  const out: Dgram[] = [
    d(ALICE, SERVER, encode({ type: 0, seq: 1, src: 0, group: 0, username: "alice" }), 0),
    notImp(0.0004),
    d(SERVER, ALICE, encode({ type: 1, seq: 1, src: 0, group: 0, client_id: 1 }), 0.0011),
    d(ALICE, SERVER, encode({ type: 1, seq: 1, ack: 1, src: 1 }), 0.0013),
    notImp(0.5),
    d(BOB, SERVER, encode({ type: 0, seq: 1, src: 0, group: 0, username: "bob" }), 0.7),
    d(SERVER, BOB, encode({ type: 1, seq: 1, src: 0, group: 0, client_id: 2 }), 0.7012),
    d(BOB, SERVER, encode({ type: 1, seq: 1, ack: 1, src: 2 }), 0.7019),
    notImp(1.2),
    // Malformed: shorter than the header (an error for -z expert on both sides).
    d(SERVER, BOB, Uint8Array.of(0x28, 0, 1), 2.5),
  ];
  for (let i = 0; i < 10; i++) {
    const t = 3 + i * 0.9;
    const [from, to] = i % 2 ? [BOB, ALICE] : [ALICE, BOB];
    out.push(d(from, SERVER, encode({ type: 5, seq: i & 1, src: i % 2 ? 2 : 1, group: 1, data: `message ${i}` }), t));
    out.push(d(SERVER, from, encode({ type: 5, seq: i & 1, ack: 1, src: i % 2 ? 2 : 1 }), t + 0.0021));
    out.push(d(SERVER, to, encode({ type: 5, seq: i & 1, src: i % 2 ? 2 : 1, group: 1, data: `message ${i}` }), t + 0.0033));
    if (i % 3 === 0) out.push(notImp(t + 0.4));
  }
  return out;
}

interface Run {
  out: string;
  err: string;
  code: number | null;
}

function tshark(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("tshark", args, { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => void (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => void (err += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ out, err, code }));
  });
}

/** A zone with an offset, so that local and UTC times differ. */
const TZ = "America/New_York";
const TIME_COLUMNS = ["a", "ad", "adoy", "u", "ud", "udoy", "d", "dd", "r"] as const;
const COLUMN_CODES: Record<(typeof TIME_COLUMNS)[number], string> = {
  a: "%At",
  ad: "%Yt",
  adoy: "%YDOYt",
  u: "%Aut",
  ud: "%Yut",
  udoy: "%YDOYut",
  d: "%Tt",
  dd: "%Gt",
  r: "%Rt",
};
const COUNT = 9;

let file = "";
let port5000 = "";
const runs: Record<string, Run> = {};

beforeAll(async () => {
  if (skip) return;
  file = tmp.path("chat.pcapng");
  writeCapture(file, chat());
  port5000 = tmp.path("port-5000.pcapng");
  const server5000 = { ip: "10.0.0.1", port: 5000 };
  writeCapture(port5000, [
    { src: ALICE, dst: server5000, payload: encode({ type: 0, seq: 1, src: 0, group: 0, username: "alice" }) },
    { src: server5000, dst: ALICE, payload: Uint8Array.of(0x28, 0, 1) },
    { src: server5000, dst: ALICE, payload: Uint8Array.of(0x28, 1, 1, 0, 9, 0, 0) },
  ]);
  const lua = ["-X", `lua_script:${await generateScript(tmp.dir)}`];
  const columns = TIME_COLUMNS.map((c) => `"${c}","${COLUMN_CODES[c]}"`).join(",");
  const jobs: Record<string, [string[], NodeJS.ProcessEnv?]> = {
    times: [
      [
        ...lua,
        "-r",
        file,
        "-n",
        "-Y",
        "imp",
        "-o",
        `gui.column.format:${columns}`,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "frame.time_epoch",
        ...TIME_COLUMNS.flatMap((c) => ["-e", `_ws.col.${c}`]),
      ],
      { TZ },
    ],
    count: [[...lua, "-r", file, "-c", String(COUNT), "-Y", "imp", "-T", "fields", "-e", "frame.number"]],
    stats: [[...lua, "-r", file, "-q", "-z", "io,stat,1", "-z", "conv,udp", "-z", "endpoints,udp", "-z", "expert"]],
    json: [[...lua, "-r", file, "-Y", "imp", "-T", "json", "-x", "-J", "imp", "--no-duplicate-keys"]],
    pdml: [[...lua, "-r", file, "-Y", "imp", "-T", "pdml"]],
    ek: [[...lua, "-r", file, "-Y", "imp", "-T", "ek"]],
    decodeAs: [[...lua, "-r", port5000, "-d", "udp.port==5000,imp", "-Y", "imp", "-T", "fields", "-e", "frame.number", "-e", "imp.hlen"]],
  };
  const done = await Promise.all(Object.entries(jobs).map(async ([name, [args, env]]) => [name, await tshark(args, env)] as const));
  for (const [name, run] of done) {
    if (run.code !== 0) throw new Error(`tshark (${name}) failed (${run.code}): ${run.err}`);
    runs[name] = run;
  }
}, 60_000);

const rows = (text: string) => text.split("\n").filter((l) => l.length > 0);
const tokens = (line: string) => line.trim().split(/\s+/);

/** Seconds of a time column: "[DATE ]hh:mm:ss.frac" as seconds of the day (and the date apart), or a plain number. */
function timeValue(text: string): { date: string; seconds: number } {
  const m = /^(?:(\S+) )?(\d\d):(\d\d):(\d\d(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return { date: "", seconds: Number(text) };
  return { date: m[1] ?? "", seconds: Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) };
}

describe.skipIf(skip !== null)(suiteName("imp read with tshark's flags, against tshark 4.0", skip), () => {
  it("-r FILE, -n and -t a|ad|adoy|u|ud|udoy|d|dd|r|e: the same frames at the same times (to the microsecond)", async () => {
    const theirs = rows(runs.times!.out).map((l) => l.split("\t"));
    expect(theirs.length).toBe(chat().filter((d) => d.src.port !== DISCARD.src.port).length);
    const saved = process.env.TZ;
    process.env.TZ = TZ;
    try {
      for (const [i, format] of [...TIME_COLUMNS, "e" as const].entries()) {
        const r = await imp("read", "-r", file, "-n", "-t", format);
        expect(r.code).toBe(0);
        const ours = rows(r.out).map((l) => {
          const t = tokens(l);
          const dated = /^\d{4}[-/]/.test(t[1]!);
          return { frame: Number(t[0]), time: dated ? `${t[1]} ${t[2]}` : t[1]! };
        });
        expect(ours.map((o) => o.frame)).toEqual(theirs.map((t) => Number(t[0])));
        ours.forEach((o, k) => {
          const text = format === "e" ? theirs[k]![1]! : theirs[k]![2 + i]!;
          const a = timeValue(o.time);
          const b = timeValue(text);
          expect(a.date, `${format} frame ${o.frame}`).toBe(b.date);
          expect(Math.abs(a.seconds - b.seconds), `-t ${format} frame ${o.frame}: ${o.time} vs ${text}`).toBeLessThanOrEqual(6e-7);
        });
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    // The summary is the same with -r FILE and with FILE, -n or not.
    expect((await imp("read", file)).out).toBe((await imp("read", "-r", file, "-n")).out);
  });

  it(`-c ${COUNT} counts packets read, IMP or not: the IMP frames among the first ${COUNT} packets`, async () => {
    const r = await imp("read", "-r", file, "-c", String(COUNT), "-T", "fields", "-e", "frame.number");
    const theirs = rows(runs.count!.out).map(Number);
    expect(theirs.length).toBeLessThan(COUNT);
    expect(rows(r.out).map(Number)).toEqual(theirs);
  });

  it("-q -z io,stat,1 -z conv,udp -z endpoints,udp -z expert: the same rows", async () => {
    const r = await imp(
      "read",
      "-r",
      file,
      "-q",
      "-z",
      "io,stat,1",
      "-z",
      "conv,udp",
      "-z",
      "endpoints,udp",
      "-z",
      "expert",
      "--no-analysis",
    );
    expect(r.code).toBe(0);
    const theirs = runs.stats!.out;
    const ioRows = (t: string) =>
      [...t.matchAll(/^\|\s*(\d+)\s+<>\s+(\d+|Dur)\s*\|\s*(\d+) \|\s*(\d+) \|/gm)].map((m) => m.slice(1).join(" "));
    expect(ioRows(r.out).length).toBe(12);
    expect(ioRows(r.out)).toEqual(ioRows(theirs));
    const duration = (t: string) => /Duration: ([\d.]+) secs/.exec(t)?.[1];
    expect(duration(r.out)).toBe(duration(theirs));
    const section = (t: string, title: string) => {
      const start = t.indexOf(`${title}\n`);
      const body = t.slice(start).split("\n").slice(3);
      return body
        .slice(
          0,
          body.findIndex((l) => l.startsWith("====")),
        )
        .map(tokens);
    };
    for (const title of ["UDP Conversations", "UDP Endpoints"]) {
      const ours = section(r.out, title);
      expect(ours.length, title).toBeGreaterThan(2);
      expect(ours, title).toEqual(section(theirs, title));
    }
    const experts = (t: string) => {
      const block = rows(t.slice(t.indexOf("\nErrors")));
      return block
        .slice(
          0,
          block.findIndex((l) => l.startsWith("=".repeat(20))),
        )
        .map((l) => tokens(l).join(" "));
    };
    // As tshark, the statistics come in the reverse order of the -z options.
    const order = (t: string) => ["Errors", "UDP Endpoints", "UDP Conversations", "IO Statistics"].map((x) => t.indexOf(x));
    expect(order(r.out)).toEqual([...order(r.out)].sort((a, b) => a - b));
    expect(order(theirs)).toEqual([...order(theirs)].sort((a, b) => a - b));
    expect(experts(r.out)).toContain("1 Malformed IMP Datagram of 3 bytes is shorter than the 5-byte header");
    expect(experts(r.out)).toEqual(experts(theirs));
    // Without -q the packets come first, the statistics after them.
    const both = await imp("read", "-r", file, "-z", "conv,udp");
    expect(both.out.indexOf("UDP Conversations")).toBeGreaterThan(both.out.indexOf("Connection Request"));
  });

  it("-x with -T json: frame_raw, imp_raw and every field's _raw as tshark's (hex, position, length, bitmask)", async () => {
    const r = await imp("read", "-r", file, "-T", "json", "-x", "--no-analysis");
    const ours = JSON.parse(r.out) as Record<string, unknown>[];
    const theirs = (JSON.parse(runs.json!.out) as { _source: { layers: Record<string, unknown> } }[]).map((p) => p._source.layers);
    expect(ours.length).toBe(theirs.length);
    let compared = 0;
    ours.forEach((o, i) => {
      const t = theirs[i]!;
      expect(o.frame_raw).toEqual(t.frame_raw);
      expect((o.imp_raw as unknown[]).slice(0, 4)).toEqual((t.imp_raw as unknown[]).slice(0, 4));
      const oi = o.imp as Record<string, unknown[]>;
      const ti = t.imp as Record<string, unknown[]>;
      for (const [k, v] of Object.entries(ti)) {
        if (!k.endsWith("_raw") || !(k in oi)) continue;
        expect(oi[k]!.slice(0, 4), `frame ${o["frame.number"]} ${k}`).toEqual(v.slice(0, 4));
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(ours.length * 6);
    // -x in the other formats: a dump after each summary line and fields row; PDML gets frame_raw.
    for (const args of [[], ["-T", "fields", "-e", "frame.number"]]) {
      const x = await imp("read", "-r", file, "-c", "1", "-x", ...args);
      expect(x.out, args.join(" ")).toMatch(/^0000 {2}02 00 7f 00 00 01 02 00 7f 00 00 01 08 00 45 00 {3}/m);
    }
    const pdml = await imp("read", "-r", file, "-c", "1", "-x", "-T", "pdml");
    expect(pdml.out).toContain(
      `<field name="frame_raw" showname="Frame bytes" size="55" pos="0" show="" value="${(theirs[0]!.frame_raw as string[])[0]}"/>`,
    );
  });

  it("-T pdml: the IMP shownames, positions and sizes of tshark's", async () => {
    const r = await imp("read", "-r", file, "-T", "pdml", "--no-analysis");
    expect(r.out).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?>\n<pdml /);
    expect(r.out.trimEnd()).toMatch(/<\/pdml>$/);
    const theirs = runs.pdml!.out;
    const ours = pdmlShownames(r.out);
    const expected = pdmlShownames(theirs);
    expect([...ours.values()].length).toBe([...expected.values()].length);
    expect([...ours.values()]).toEqual([...expected.values()]);
    const places = (t: string) =>
      t
        .split("<packet>")
        .slice(1)
        .map((p) =>
          [
            ...p.slice(p.indexOf('<proto name="imp"')).matchAll(/<field name="(imp\.[^"]*)" showname="[^"]*" size="(\d+)" pos="(\d+)"/g),
          ].map((m) => m.slice(1).join(" ")),
        );
    expect(places(r.out)).toEqual(places(theirs));
  });

  it("-T ek: index lines and the frame, IP and UDP values of tshark's", async () => {
    const r = await imp("read", "-r", file, "-T", "ek");
    const parse = (t: string) => rows(t).map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = parse(r.out);
    const theirs = parse(runs.ek!.out);
    expect(ours.length).toBe(theirs.length);
    const pick = (line: Record<string, unknown>) => {
      if ("index" in line) return line;
      const l = line.layers as Record<string, Record<string, unknown>>;
      return {
        timestamp: line.timestamp,
        number: l.frame!.frame_frame_number,
        epoch: l.frame!.frame_frame_time_epoch,
        len: l.frame!.frame_frame_len,
        src: l.ip!.ip_ip_src,
        dst: l.ip!.ip_ip_dst,
        sport: l.udp!.udp_udp_srcport,
        dport: l.udp!.udp_udp_dstport,
        username: l.imp!.imp_imp_username,
      };
    };
    expect(ours.map(pick)).toEqual(theirs.map(pick));
  });

  it("-d udp.port==5000,imp decodes port 5000 as IMP, as tshark's decode-as", async () => {
    const theirs = rows(runs.decodeAs!.out);
    expect(theirs).toHaveLength(3);
    const r = await imp(
      "read",
      "-r",
      port5000,
      "--no-heuristic",
      "-d",
      "udp.port==5000,imp",
      "-T",
      "fields",
      "-e",
      "frame.number",
      "-e",
      "imp.hlen",
    );
    expect(rows(r.out)).toEqual(theirs);
    // Without -d, only the heuristic finds IMP there (not the malformed datagrams).
    expect(rows((await imp("read", "-r", port5000, "-T", "fields", "-e", "frame.number")).out)).toEqual(["1"]);
    expect((await imp("read", "-r", port5000, "--no-heuristic")).out).toBe("");
  });
});

describe("tshark's flags: errors (exit 2, one line)", () => {
  it.each([
    [["-d", "tcp.port==5000,imp"], /-d tcp\.port==5000,imp: expected udp\.port==PORT,imp/],
    [["-d", "udp.port==5000,http"], /impkit decodes only IMP/],
    [["-d", "udp.port==70000,imp"], /ports must be from 1 to 65535/],
    [["-z", "io,phs"], /-z io,phs: not a statistic impkit knows/],
    [["-z", "io,stat,x"], /-z io,stat,x: not a statistic/],
    [["-t", "x"], /-t must be one of r, a, ad/],
    [["-r", "a.pcap", "b.pcap"], /two captures: -r a\.pcap and b\.pcap/],
  ])("%j", async (args, message) => {
    const r = await imp("read", ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });
});
