/**
 * Every sub-command of `imp`, run as a real process with each kind of bad input that applies to
 * it, fails cleanly:
 *
 * - exactly one line on stderr, `imp: ...`, that says what is wrong (the one exception: a bad
 *   display filter, -Y, adds the filter and a caret line under the column, as tshark does);
 * - no stack frame;
 * - the documented exit code (README, "Exit codes"): 2 for usage and input errors, 1 when the
 *   client cannot reach its server, 0 when the reader of stdout goes away (EPIPE);
 * - nothing on stdout, except a damaged capture, whose packets before the damage are shown;
 * - nothing left running, an --exec child or a grandchild included (cli-process.ts).
 *
 * The terminal cases of `imp tui` run on a pseudo-terminal: the screen must not open.
 * A damaged capture in `imp tui` is left out on purpose: the inspector shows what came before
 * the damage, with the error (test/tui).
 */
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internalErrorText } from "../../src/cli/fatal.js";
import { COMMAND_NAMES } from "../../src/cli/program.js";
import { compileCli, describeRun, ROOT, runImp, scriptMissing, type CompiledCli, type ImpRun, type RunOptions } from "./cli-process.js";

const dir = mkdtempSync(join(tmpdir(), "imp-bad-input-"));
const path = (name: string) => join(dir, name);
const DEMO = join(ROOT, "captures", "demo.pcapng");
const MISSING = path("missing.pcapng");
const NOT_CAPTURE = path("notes.txt");
const TRUNCATED = path("truncated.pcapng");
const NO_FOLDER = path("no-such-folder");
const DECODE_HEX = "2802010007000568656c6c6f";

let cli: CompiledCli;
/** A UDP socket that takes every datagram and answers none: a port in use, a target that never answers. */
let silent: dgram.Socket;
let busyPort = 0;

beforeAll(async () => {
  writeFileSync(NOT_CAPTURE, "hello, this is not a capture\n");
  // The demo capture cut inside its third packet block: two packets, then the damage.
  writeFileSync(TRUNCATED, readFileSync(DEMO).subarray(0, 300));
  silent = dgram.createSocket("udp4");
  silent.on("message", () => {});
  await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
  busyPort = silent.address().port;
  cli = await compileCli();
}, 60_000);

afterAll(() => {
  silent?.close();
  cli?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** In a case's arguments: the port of `silent`, known once beforeAll has run. */
const BUSY = "{busy}";

interface Case {
  /** Arguments after `imp` (BUSY stands for the busy port). */
  args: readonly string[];
  /** What stderr's one line says. */
  says: RegExp;
  /** Exit code (default 2). */
  code?: number;
  /** On a pseudo-terminal (imp tui). */
  tty?: boolean;
  /** stdout may hold the packets before the damage. */
  partialOutput?: boolean;
  /** Lines on stderr (default 1). */
  lines?: number;
  /** Standard input (default: none). */
  stdin?: string;
}

const c = (args: Case["args"], says: RegExp, more: Omit<Case, "args" | "says"> = {}): Case => ({ args, says, ...more });
const CAPTURE_READERS = ["decode", "read", "stats", "flow", "chat"] as const;

/** Per sub-command, its bad inputs. Every sub-command has an entry (checked below). */
const TABLE: Record<string, Case[]> = {
  decode: [
    c(["decode", "--hex", "zz"], /^imp: invalid hex: "zz"/),
    c(["decode", "--hex", DECODE_HEX, DEMO], /give either --hex or a file/),
    c(["decode", "--port", "0"], /--port.*must be a UDP port from 1 to 65535/),
    c(["decode", "-T", "xml", DEMO], /-T must be one of text, json/),
  ],
  client: [
    c(["client", "--name", "alice", "--server", "127.0.0.1:99999"], /--server.*the port must be a whole number from 1 to 65535/),
    c(["client", "--name", "much-too-long-a-name"], /invalid --name "much-too-long-a-name"/),
    c(["client"], /required option '-n, --name <name>' not specified/),
    // Nothing answers at the server's address: documented as exit code 1 (src/cli/commands/client.ts).
    c(["client", "--name", "alice", "--server", `127.0.0.1:${BUSY}`], /^imp: server 127\.0\.0\.1:\d+ did not answer/, { code: 1 }),
  ],
  server: [
    c(["server", "--port", "99999"], /--port <port>.*99999.*--port must be a whole number from 0 to 65535/),
    c(["server", "--max-users", "many"], /--max-users must be a whole number/),
    c(["server", "--port", BUSY], /^imp: cannot listen on 127\.0\.0\.1:\d+: address in use$/),
  ],
  scenario: [
    c(["scenario", "no-such-scenario"], /no scenario named "no-such-scenario"/),
    c(["scenario", "--port", "x", "connection-accepted"], /--port must be a whole number from 0 to 65535/),
    c(
      ["scenario", "connection-accepted", "--port", "0", "-w", join(NO_FOLDER, "x.pcapng")],
      /^imp: cannot write .*no-such-folder\/x\.pcapng: no such directory$/,
    ),
    c(["scenario", "all", "--port", "0", "-d", join(NOT_CAPTURE, "captures")], /^imp: cannot create folder .*notes\.txt\/captures: /),
  ],
  read: [
    c(["read", "-c", "0", DEMO], /-c must be a whole number from 1 to/),
    c(["read", "-T", "xml", DEMO], /-T must be one of/),
    c(["read", "-e", "imp.nosuchfield", "-T", "fields", DEMO], /-e imp\.nosuchfield: no such field/),
    // The one exception to one line: the filter and a caret under the column.
    c(["read", "-Y", "imp.src ==", DEMO], /^imp: invalid display filter \(-Y\), column 11:\nimp\.src ==\n +\^ /, { lines: 3 }),
  ],
  stats: [
    c(["stats", "-T", "xml", DEMO], /-T must be text or json/),
    c(["stats", "--retries", "x", DEMO], /--retries must be a whole number/),
  ],
  flow: [
    c(["flow", "--width", "5", DEMO], /--width must be a whole number from 40/),
    c(["flow", "-Y", "imp.src ==", DEMO], /invalid display filter/, { lines: 3 }),
  ],
  chat: [c(["chat", "--group", "0", DEMO], /--group must be a whole number from 1 to 254/)],
  sniff: [
    c(["sniff", "-i", "nosuchif0", "-c", "1"], /nosuchif0|libpcap|root|CAP_NET_RAW/),
    c(["sniff", "-s", "0"], /-s must be a whole number from 1/),
    c(["sniff", "-a", "forever"], /-a forever: expected packets:N/),
    c(["sniff", "-i", "lo", "-c", "1", "-w", join(NO_FOLDER, "x.pcapng")], /no such directory|libpcap|root|CAP_NET_RAW/),
  ],
  lua: [
    // Worded as test/lua pins it: the errno code and Node's sentence.
    c(
      ["lua", "-o", join(NO_FOLDER, "imp.lua")],
      /^imp: cannot write .*no-such-folder\/imp\.lua \(ENOENT: no such file or directory, open '.*'\)$/,
    ),
    c(["lua", "--plugins-dir", dir], /--plugins-dir only goes with --install/),
    c(["lua", "--install", "--plugins-dir", join(NOT_CAPTURE, "plugins")], /^imp: cannot install into /),
  ],
  fuzz: [
    c(["fuzz"], /bound the campaign with --cases or --duration/),
    c(["fuzz", "--seed", "x", "--cases", "1"], /--seed must be a whole number/),
    c(["fuzz", "--hang-ms", "1", "--cases", "1"], /--hang-ms <ms>.*from 10ms to 10m/),
    c(
      ["fuzz", "--target", "tcp://127.0.0.1:1313", "--cases", "1"],
      /--target must be bundled-server, bundled-client, client or udp:\/\/host:port/,
    ),
    c(["fuzz", "--target", "udp://127.0.0.1", "--cases", "1"], /--target must be udp:\/\/host:port/),
    c(["fuzz", "--target", "udp://127.0.0.1:{port}", "--cases", "1"], /\{port\} is filled in only with --exec/),
    c(["fuzz", "--exec", "true", "--cases", "1"], /--exec starts a udp:\/\/ target/),
    c(["fuzz", "--target", "udp://no-such-host.invalid:1313", "--cases", "1"], /cannot resolve host name "no-such-host\.invalid"/),
    // Nothing answers: the campaign ends within seconds (3 hang bounds, 2 s at least).
    c(
      ["fuzz", "--target", `udp://127.0.0.1:${BUSY}`, "--cases", "5", "--hang-ms", "300", "--out", path("fuzz-out")],
      /does not answer: no Connection Accept .* within 2 s \(is an IMP server listening there\?\)$/,
    ),
    c(
      ["fuzz", "--target", "udp://127.0.0.1:{port}", "--exec", "exit 3", "--cases", "1", "--out", path("fuzz-out")],
      /exited during start-up \(code 3\)/,
    ),
    c(
      ["fuzz", "--cases", "1", "--out", join(NOT_CAPTURE, "out")],
      /^imp: cannot create folder .*notes\.txt\/out: a part of the path is not a directory$/,
    ),
    c(["fuzz", "--replay", MISSING], /^imp: cannot read .*missing\.pcapng: no such file$/),
    c(["fuzz", "--replay", dir], /^imp: cannot read .*: is a directory$/),
    c(["fuzz", "--replay", NOT_CAPTURE], /^imp: cannot read .*notes\.txt: .*JSON/),
  ],
  test: [
    c(["test"], /^imp: say what to test: imp test server --target/),
    c(["test", "clients"], /^imp: imp test clients: no such suite; there are imp test server and imp test client$/),
    c(["test", "client", "--driver", MISSING], /^imp: cannot use driver .*missing\.pcapng: no such file$/),
    c(["test", "client", "--driver", NOT_CAPTURE], /^imp: cannot use driver .*notes\.txt: not JSON/),
    c(["test", "client", "--exec", "my-client --port 1313"], /^imp: --exec must contain \{port\}/),
    c(["test", "client", "--cases", "99.9"], /--cases 99\.9: no case matches/),
    c(
      ["test", "client", "--exec", "exit 3 {port}", "--cases", "5.1.1,6.1"],
      /^imp: the client could not be tested: client \(exec\) exited during start-up \(code 3\)$/,
    ),
    c(["test", "client", "--exec-each", NOT_CAPTURE], /--exec-each writes a report per implementation: give --out DIR/),
    c(["test", "server"], /give --target udp:\/\/HOST:PORT/),
    c(["test", "server", "--target", "tcp://127.0.0.1:1313"], /--target must be udp:\/\/host:port/),
    c(["test", "server", "--target", "udp://127.0.0.1:0"], /port 0 means a free port only with --exec/),
    c(["test", "server", "--target", "udp://127.0.0.1:1313", "--cases", "99.9"], /--cases 99\.9: no case matches/),
    c(["test", "server", "--target", "udp://127.0.0.1:1313", "--jobs", "0"], /--jobs must be a whole number from 1 to 32/),
    c(["test", "server", "--exec-each", MISSING, "--out", path("batch")], /^imp: cannot use .*missing\.pcapng: no such file$/),
    c(
      ["test", "server", "--exec-each", NOT_CAPTURE, "--out", path("batch")],
      /^imp: cannot use .*notes\.txt: line 1: the command must contain \{port\}/,
    ),
    c(["test", "server", "--exec-each", NOT_CAPTURE], /--exec-each writes a report per implementation: give --out DIR/),
    // Nothing answers: the run ends within seconds.
    c(
      ["test", "server", "--target", `udp://127.0.0.1:${BUSY}`, "-q"],
      /does not answer: no Connection Accept and User List Response within 3 s/,
    ),
    c(["test", "server", "--target", "udp://127.0.0.1:0", "--exec", "exit 3", "-q"], /--exec must contain \{port\}/),
    c(["test", "server", "--target", "udp://127.0.0.1:0", "--exec", "exit 3 {port}", "-q"], /exited during start-up \(code 3\)/),
  ],
  tui: [
    c(["tui", MISSING], /^imp: .*missing\.pcapng: no such file$/, { tty: true }),
    c(["tui", dir], /^imp: .*: is a directory, not a capture file$/, { tty: true }),
    c(["tui", NOT_CAPTURE], /^imp: .*notes\.txt: not a pcap or pcapng file/, { tty: true }),
    c(["tui", "-i", "nosuchif0"], /nosuchif0|libpcap|root|CAP_NET_RAW/, { tty: true }),
    c(["tui", "--port", "0"], /--port.*must be a UDP port from 1 to 65535/, { tty: true }),
    c(["tui", "-Y", "imp.src =="], /invalid display filter/, { tty: true, lines: 3 }),
    c(["tui", "--proxy", `127.0.0.1:${BUSY}`], /^imp: cannot listen on 127\.0\.0\.1:\d+: address in use$/, { tty: true }),
    c(["tui", DEMO], /^imp: imp tui needs a terminal/),
    c(["tui", dir], /^imp: .*: is a directory, not a capture file$/),
  ],
  proxy: [
    c(["proxy", "--loss", "2"], /--loss/),
    c(["proxy", "--listen", "127.0.0.1:99999"], /--listen.*the port must be a whole number from 0 to 65535/),
    c(["proxy", "--script", MISSING], /^imp: cannot read .*missing\.pcapng: no such file$/),
    c(["proxy", "--script", NOT_CAPTURE], /notes\.txt/),
    c(["proxy", "--listen", `127.0.0.1:${BUSY}`], /^imp: cannot listen on 127\.0\.0\.1:\d+: address in use$/),
    c(
      ["proxy", "--listen", "127.0.0.1:0", "-w", join(NO_FOLDER, "x.pcapng")],
      /^imp: cannot write .*no-such-folder\/x\.pcapng: no such directory$/,
    ),
  ],
  demo: [
    c(["demo", "--no-tui", "-w", join(NO_FOLDER, "demo.pcapng")], /^imp: cannot write .*no-such-folder\/demo\.pcapng: no such directory$/),
    c(["demo", "--seed", "x"], /--seed must be a whole number/),
    c(["demo", "--pace", "slow"], /--pace <ms>.*expected a number of milliseconds/),
    c(["demo", "--no-tui", "-Y", "imp.src =="], /invalid display filter/, { lines: 3 }),
  ],
};

// Every sub-command: an unknown option.
for (const name of COMMAND_NAMES) {
  TABLE[name]!.push(
    c(
      name === "client" ? ["client", "--name", "alice", "--no-such-option"] : [name, "--no-such-option"],
      new RegExp(`^imp: unknown option '--no-such-option' \\(see imp ${name} --help\\)$`),
    ),
  );
}
// Every command that reads a capture: missing, a directory, not a capture, damaged.
for (const name of CAPTURE_READERS) {
  TABLE[name]!.push(
    c([name, MISSING], /^imp: .*missing\.pcapng: no such file$/),
    c([name, dir], /^imp: .*: is a directory, not a capture file$/),
    c([name, NOT_CAPTURE], /^imp: .*notes\.txt: not a pcap or pcapng file \(magic 0x68656c6c\)/),
    c([name, TRUNCATED], /^imp: .*truncated\.pcapng: truncated block at byte 228/, { partialOutput: true }),
  );
}
TABLE.read!.push(c(["read", "-"], /^imp: stdin: not a pcap or pcapng file/, { stdin: "not a capture\n" }));
TABLE.stats!.push(c(["stats", "-"], /^imp: stdin: not a pcap or pcapng file \(empty\)/, { stdin: "" }));

/** The program itself: no such command, no such option. */
const PROGRAM: Case[] = [
  c(["no-such-command"], /^imp: unknown command 'no-such-command' \(see imp --help\)$/),
  c(["--no-such-option"], /^imp: unknown option '--no-such-option' \(see imp --help\)$/),
];

const args = (k: Case) => k.args.map((a) => a.replace(BUSY, String(busyPort)));

function expectClean(k: Case, r: ImpRun, a: readonly string[]): void {
  const why = describeRun(a, r);
  expect(r.timedOut, why).toBe(false);
  expect(r.stderr, why).not.toMatch(/^\s+at /m);
  expect(r.stderr, why).not.toMatch(/internal error/);
  expect(r.code, why).toBe(k.code ?? 2);
  expect(r.stderr.endsWith("\n"), why).toBe(true);
  const text = r.stderr.slice(0, -1);
  expect(text.split("\n"), why).toHaveLength(k.lines ?? 1);
  expect(text, why).toMatch(/^imp: /);
  expect(text, why).toMatch(k.says);
  if (k.tty) expect(r.stdout, `${why}\nthe screen opened`).not.toContain("\x1b[?1049h");
  else if (!k.partialOutput) expect(r.stdout, why).toBe("");
  expect(r.leftovers, why).toEqual([]);
}

describe("every sub-command has its bad inputs in the table", () => {
  it("the table names every sub-command of the program, and only those", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const name of COMMAND_NAMES) expect(TABLE[name]!.length, name).toBeGreaterThanOrEqual(2);
  });

  it("a pseudo-terminal is there for the tui cases", () => {
    expect(scriptMissing()).toBeNull();
  });
});

const ALL = [...Object.entries(TABLE), ["imp", PROGRAM] as const].flatMap(([name, cases]) =>
  cases.map((k) => [`${name}: ${k.args.join(" ").replaceAll(dir, "TMP").replaceAll(ROOT, "")}`, k] as const),
);

describe.concurrent("bad input: one line, the documented exit code, nothing left running", () => {
  it.each(ALL)("%s", async (_, k) => {
    const a = args(k);
    // From a folder of its own: whatever a run would write by default (fuzz-out/...) stays out of the repository.
    const options: RunOptions = {
      cwd: dir,
      ...(k.tty ? { tty: true } : {}),
      ...(k.stdin !== undefined ? { stdin: k.stdin } : {}),
      timeoutMs: 20_000,
    };
    expectClean(k, await runImp(cli, a, options), a);
  });
});

describe.concurrent("output closed early (EPIPE, as `| head -1` does): a quiet end, exit 0", () => {
  const EPIPE: readonly (readonly string[])[] = [
    ["decode", DEMO],
    ["decode", "--hex", DECODE_HEX],
    ["read", DEMO],
    ["read", "-V", DEMO],
    ["read", "-T", "json", DEMO],
    ["stats", DEMO],
    ["flow", DEMO],
    ["chat", DEMO],
    ["lua"],
    ["scenario", "--list"],
    ["demo", "--no-tui"],
  ];
  it.each(EPIPE.map((a) => [a.join(" "), a] as const))("%s", async (_, a) => {
    const r = await runImp(cli, a, { cwd: dir, closeStdout: true });
    const why = describeRun(a, r);
    expect(r.timedOut, why).toBe(false);
    expect(r.stderr, why).toBe("");
    expect(r.code, why).toBe(0);
    expect(r.leftovers, why).toEqual([]);
  });
});

describe.concurrent("an internal error (a bug): one line and exit 1; the stack only with IMP_DEBUG=1", () => {
  const crash = (env: Record<string, string>) =>
    runImp(cli, ["server", "--port", "0"], {
      cwd: dir,
      nodeArgs: ["--import", join(ROOT, "test/fixtures/cli/crash-preload.mjs")],
      env: { IMPKIT_TEST_CRASH_AFTER_MS: "300", ...env },
    });

  it("an exception thrown inside the running server", async () => {
    const r = await crash({});
    const why = describeRun(["server", "--port", "0"], r);
    expect(r.code, why).toBe(1);
    expect(r.stderr, why).toBe(
      "imp: internal error: injected crash (test/fixtures/cli/crash-preload.mjs) (a bug in impkit; IMP_DEBUG=1 shows where)\n",
    );
    expect(r.leftovers, why).toEqual([]);
  });

  it("IMP_DEBUG=1: the same line, then the stack", async () => {
    const r = await crash({ IMP_DEBUG: "1" });
    const why = describeRun(["server", "--port", "0"], r);
    expect(r.code, why).toBe(1);
    const [first, ...rest] = r.stderr.split("\n");
    expect(first, why).toMatch(/^imp: internal error: injected crash/);
    expect(rest.join("\n"), why).toMatch(/^\s+at .*crash-preload\.mjs/m);
  });

  it("the text of an internal error, with and without IMP_DEBUG", () => {
    const e = new TypeError("x is not\na function");
    expect(internalErrorText(e, false)).toBe(
      "imp: internal error: TypeError: x is not a function (a bug in impkit; IMP_DEBUG=1 shows where)\n",
    );
    expect(internalErrorText(e, true)).toMatch(
      /^imp: internal error: TypeError: x is not a function .*\nTypeError: x is not\na function\n\s+at /,
    );
    expect(internalErrorText("a string", false)).toBe("imp: internal error: a string (a bug in impkit; IMP_DEBUG=1 shows where)\n");
  });
});
