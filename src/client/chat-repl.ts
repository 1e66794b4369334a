/**
 * The line-mode chat over an ImpClient. Input and output are injected (no TTY assumptions):
 * lines are processed in order, each command awaited to its completion (a plain text line until
 * every recipient has acknowledged it, /create until the server has acknowledged the request),
 * so the same code serves a person at a terminal and a script on a pipe. At end of input the
 * client waits for pending acknowledgements, disconnects, and the REPL returns exit code 0.
 */
import { createInterface } from "node:readline";
import { systemClock, type Clock } from "../arq/clock.js";
import { ClientError, type ImpClient } from "./client.js";
import type { GroupMode } from "./events.js";
import type { RosterEntry } from "./roster.js";

export interface ReplOptions {
  client: ImpClient;
  input: NodeJS.ReadableStream;
  /** Chat transcript: messages and events, one line per call (newline included). */
  out: (text: string) => void;
  /** `! ...` lines: errors and warnings. */
  err: (text: string) => void;
  /** Clock for /sleep and /wait time-outs (default: the system clock). */
  clock?: Clock;
  /** Longest a /wait waits before giving up (default 30 s). */
  waitTimeoutMs?: number;
  /** Aborting acts as /quit (the CLI aborts on SIGINT). */
  signal?: AbortSignal;
}

export const HELP = [
  "Commands:",
  "  <text>                  send text to the current group (start with // to send a line beginning with /)",
  "  /list                   ask the server for the user list and show it (id, name, group, address)",
  "  /create [-d] NAME...    create a private group with these invitees (names or ids); -d: decentralized",
  "  /invite NAME            invite a user into the current private group",
  "  /accept [GROUP]         accept the pending invitation",
  "  /reject [GROUP]         reject the pending invitation",
  "  /leave                  leave the current private group for the public group",
  "  /who                    show this client's id, group and mode",
  "  /sleep MS               pause (scripts)",
  "  /wait TEXT              wait until a printed line contains TEXT (scripts; e.g. /wait invitation)",
  "  /quit                   disconnect and exit",
  "  /help                   this help",
].join("\n");

const modeText = (m: GroupMode) => m;

/**
 * Characters a received text or name may not put on the terminal as they are: C0 and C1 controls
 * (terminal escapes, newlines; tab stays), the bidirectional controls (U+061C, U+200E/200F,
 * U+202A-202E, U+2066-2069: they reorder what follows on the line, so a name or text could
 * disguise itself or the next line), zero-width characters (U+200B-200D, U+2060, U+FEFF: invisible
 * differences between look-alike names) and the line and paragraph separators U+2028/2029.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters (to escape them) is the point.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/g;

/** Received text (or a name) as one safe line: every UNSAFE character is shown escaped (\n, \r, \xHH, \u{HHHH}). */
export function displayText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16).padStart(4, "0")}}`;
  });
}

/** Lines kept for /wait; older ones are dropped past this many. */
const KEEP_LINES = 10_000;

/** Formats one roster line. */
export function rosterLine(e: RosterEntry, selfId: number): string {
  const group = e.group === 1 ? "public" : `group ${e.group}`;
  return `  ${String(e.id).padStart(3)}  ${displayText(e.name).padEnd(8)}  ${group.padEnd(9)}  ${e.ip}:${e.port}${e.id === selfId ? "  (you)" : ""}`;
}

/** Runs the chat until /quit, end of input, or the end of the session; returns the exit code. */
export async function runRepl(options: ReplOptions): Promise<number> {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const waitTimeoutMs = options.waitTimeoutMs ?? 30_000;
  const printed: string[] = [];
  let cursor = 0;
  const watchers = new Set<() => void>();
  let exitCode = 0;

  const remember = (line: string) => {
    printed.push(line);
    if (printed.length > KEEP_LINES) {
      const drop = printed.length - KEEP_LINES / 2;
      printed.splice(0, drop);
      cursor = Math.max(0, cursor - drop);
    }
    for (const w of [...watchers]) w();
  };
  const say = (line: string) => {
    options.out(`${line}\n`);
    remember(line);
  };
  const warn = (line: string) => {
    options.err(`! ${line}\n`);
    remember(`! ${line}`);
  };

  const offs = [
    client.on("message", (m) => say(`[group ${m.group}] ${displayText(m.fromName)}: ${displayText(m.text)}`)),
    client.on("userJoined", ({ user }) => say(`* ${displayText(user.name)} joined`)),
    client.on("userChanged", ({ user, previous }) => {
      if (user.group === previous.group) return;
      const name = displayText(user.name);
      say(user.group === 1 ? `* ${name} is back in the public group` : `* ${name} joined group ${user.group}`);
    }),
    client.on("userLeft", ({ id, user }) => say(`* ${user ? displayText(user.name) : `#${id}`} left`)),
    client.on("invitation", (i) =>
      say(`* invitation from ${displayText(i.fromName)} to group ${i.group} (${modeText(i.mode)}): /accept or /reject`),
    ),
    client.on("invitationExpired", (i) => say(`* invitation from ${displayText(i.fromName)} to group ${i.group} expired`)),
    client.on("groupCreated", (g) => say(`* group ${g.group} created (${modeText(g.mode)}); you are in it`)),
    client.on("groupCreateRejected", () => warn("group creation rejected: nobody accepted")),
    client.on("joined", (g) => say(`* you joined group ${g.group} (${modeText(g.mode)})`)),
    client.on("left", (g) => say(`* you left group ${g.group}`)),
    client.on("invitationAccepted", (a) => say(`* ${displayText(a.byName)} accepted the invitation to group ${a.group}`)),
    client.on("invitationRejected", (a) => say(`* ${displayText(a.byName)} rejected the invitation to group ${a.group}`)),
    client.on("dissolved", (d) => say(`* group ${d.group} dissolved; back in the public group`)),
    client.on("peerGone", (p) => warn(`${displayText(p.name)} did not acknowledge: removed from the list`)),
    client.on("serverGone", () => {
      exitCode = 1;
      warn("server not answering: disconnected");
    }),
  ];

  let ended = false;
  let endSession!: () => void;
  const sessionEnd = new Promise<"end">((resolve) => {
    endSession = () => resolve("end");
  });
  offs.push(
    client.on("disconnected", () => {
      ended = true;
      endSession();
    }),
  );
  if (client.state === "closed") {
    ended = true;
    endSession();
  }
  let quit!: () => void;
  const quitRequested = new Promise<"quit">((resolve) => {
    quit = () => resolve("quit");
  });
  if (options.signal?.aborted) quit();
  options.signal?.addEventListener("abort", () => quit(), { once: true });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      clock.setTimer(ms, resolve);
    });

  /** Waits until a line printed after the cursor contains `text`; consumes it. */
  const waitFor = (text: string): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const check = (): boolean => {
        for (let i = cursor; i < printed.length; i++) {
          if (printed[i]!.includes(text)) {
            cursor = i + 1;
            return true;
          }
        }
        return false;
      };
      if (check()) return resolve(true);
      let timer: ReturnType<Clock["setTimer"]> | null = null;
      const done = (ok: boolean) => {
        watchers.delete(watcher);
        if (timer) clock.clearTimer(timer);
        resolve(ok);
      };
      const watcher = () => {
        if (check()) done(true);
        else if (ended) done(false);
      };
      watchers.add(watcher);
      timer = clock.setTimer(waitTimeoutMs, () => {
        timer = null;
        done(false);
      });
      void sessionEnd.then(() => watcher());
    });

  /** Runs one line; returns "quit" to stop. */
  const run = async (raw: string): Promise<"quit" | undefined> => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    if (!line.startsWith("/") || line.startsWith("//")) {
      const text = line.startsWith("//") ? line.slice(1) : line;
      const outcomes = await client.send(text);
      if (outcomes.length === 0) warn(`nobody else is in group ${client.group}`);
      return;
    }
    const [cmd = "", ...args] = line.trim().split(/\s+/);
    switch (cmd) {
      case "/help":
        say(HELP);
        return;
      case "/list":
        // A fresh list from the server (User List Request), as the 2017 client's list command.
        for (const e of await client.list()) say(rosterLine(e, client.id));
        return;
      case "/who":
        say(
          `* you are ${client.name} (id ${client.id}) in ${client.group === 1 ? "the public group" : `group ${client.group} (${client.mode})`}`,
        );
        return;
      case "/create": {
        let groupMode: GroupMode = "centralized";
        const invitees: string[] = [];
        for (const a of args) {
          if (a === "-d" || a === "--decentralized") groupMode = "decentralized";
          else if (a === "-c" || a === "--centralized") groupMode = "centralized";
          else invitees.push(a);
        }
        if (invitees.length === 0) throw new ClientError("usage: /create [-d] NAME...");
        await client.createGroup({ mode: groupMode, invitees });
        return;
      }
      case "/invite":
        if (args.length === 0) throw new ClientError("usage: /invite NAME");
        for (const who of args) await client.invite(who);
        return;
      case "/accept":
      case "/reject": {
        const group = args[0] === undefined ? undefined : Number(args[0]);
        if (group !== undefined && !Number.isInteger(group)) throw new ClientError(`usage: ${cmd} [GROUP]`);
        await (cmd === "/accept" ? client.accept(group) : client.reject(group));
        return;
      }
      case "/leave":
        await client.leave();
        return;
      case "/sleep": {
        const ms = Number(args[0]);
        if (!Number.isFinite(ms) || ms < 0) throw new ClientError("usage: /sleep MS");
        await sleep(ms);
        return;
      }
      case "/wait": {
        const text = line.trim().slice("/wait".length).trim();
        if (!text) throw new ClientError("usage: /wait TEXT");
        if (!(await waitFor(text))) warn(`timed out waiting for "${text}"`);
        return;
      }
      case "/quit":
      case "/exit":
        return "quit";
      default:
        throw new ClientError(`unknown command ${cmd} (try /help)`);
    }
  };

  const rl = createInterface({ input: options.input, terminal: false, crlfDelay: Infinity });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([lines.next(), sessionEnd, quitRequested]);
      if (next === "end" || next === "quit" || next.done) break;
      try {
        const r = await Promise.race([run(next.value), sessionEnd, quitRequested]);
        if (r === "quit" || r === "end") break;
      } catch (e) {
        if (e instanceof ClientError) warn(e.message);
        else throw e;
      }
    }
    if (!ended) {
      await client.idle();
      const outcome = await client.disconnect();
      if (outcome === "gone") warn("the server did not acknowledge the disconnection");
    }
  } finally {
    rl.close();
    for (const off of offs) off();
    await client.close();
  }
  return exitCode;
}
