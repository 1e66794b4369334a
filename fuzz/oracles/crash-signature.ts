/**
 * Crash signatures for targets in any language: what a process prints when it dies (Python
 * tracebacks, Node and Java stack traces, Go and Rust panics, C/C++ sanitizer reports) or how it
 * ended (a fatal signal, an exit code). The signature is the exception's type and its message
 * (numbers, addresses and paths removed) plus the innermost frame in the target's own code (file
 * name, line, function; frames of the language's runtime and standard library are skipped), so
 * that each crash site is one finding and two sites never merge.
 */
import { constants } from "node:os";

export interface Frame {
  /** File name without its directories. */
  file: string;
  line: number | null;
  fn: string | null;
}

export interface CrashReport {
  language: "python" | "node" | "java" | "go" | "rust" | "sanitizer" | "signal" | "exit";
  /** Exception type, panic, sanitizer error kind, signal name, or "exit code N". */
  type: string;
  /** Message with numbers, addresses and paths removed. */
  message: string;
  /** The innermost frame in the target's own code (null when there is none). */
  frame: Frame | null;
}

const base = (path: string) =>
  path
    .replace(/^file:\/\//, "")
    .split(/[\\/]/)
    .pop() ?? path;

/** Removes what changes from one run to the next: addresses, paths, numbers; at most 160 characters. */
export function scrubMessage(text: string): string {
  return text
    .replace(/0x[0-9a-f]+/gi, "ADDR")
    .replace(/(file:\/\/)?(\/[^\s'",:)]+)+/g, (p) => base(p))
    .replace(/\b\d+\b/g, "N")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 160);
}

const PY_STDLIB = /(^<frozen |[\\/]lib[\\/]python\d[\d.]*[\\/]|[\\/](site|dist)-packages[\\/])/;

function parsePython(lines: string[]): CrashReport | null {
  const start = lines.map((l) => l.startsWith("Traceback (most recent call last):")).lastIndexOf(true);
  if (start < 0) return null;
  const frames: { path: string; line: number; fn: string }[] = [];
  let i = start + 1;
  for (; i < lines.length; i++) {
    const m = /^\s+File "([^"]+)", line (\d+), in (.+)$/.exec(lines[i]!);
    if (m) frames.push({ path: m[1]!, line: Number(m[2]), fn: m[3]!.trim() });
    else if (!/^\s/.test(lines[i]!) && lines[i]!.trim() !== "") break;
  }
  // Chained exceptions ("During handling of the above exception...") start a new traceback: lastIndexOf took the last one.
  const last = lines[i] ?? "";
  const em = /^([\w.]+)(?::\s?(.*))?$/.exec(last.trim());
  if (!em) return null;
  const own = [...frames].reverse().find((f) => !PY_STDLIB.test(f.path)) ?? frames[frames.length - 1];
  return {
    language: "python",
    type: em[1]!,
    message: scrubMessage(em[2] ?? ""),
    frame: own ? { file: base(own.path), line: own.line, fn: own.fn } : null,
  };
}

/** Node frames: "    at fn (file:line:col)" or "    at file:line:col". */
function nodeFrame(line: string): { path: string; line: number; fn: string | null } | null {
  // A built-in without a location ("at JSON.parse (<anonymous>)") is a frame of the runtime.
  const builtin = /^\s+at (.+?) \((<anonymous>|native)\)$/.exec(line);
  if (builtin) return { fn: builtin[1]!, path: "<anonymous>", line: 0 };
  const m = /^\s+at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/.exec(line);
  if (!m) return null;
  return { fn: m[1] ?? null, path: m[2]!, line: Number(m[3]) };
}

const NODE_INTERNAL = /^(node:|internal[\\/]|native |<anonymous>$)|[\\/]node_modules[\\/]/;

function parseNode(lines: string[]): CrashReport | null {
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:Uncaught )?([A-Z]\w*(?:Error|Exception)|Error)(?: \[\w+\])?(?::\s?(.*))?$/.exec(lines[i]!.trim());
    if (!m || !nodeFrame(lines[i + 1] ?? "")) continue;
    const frames: NonNullable<ReturnType<typeof nodeFrame>>[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const f = nodeFrame(lines[j]!);
      if (!f) break;
      frames.push(f);
    }
    const own = frames.find((f) => !NODE_INTERNAL.test(f.path)) ?? frames[0];
    return {
      language: "node",
      type: m[1]!,
      message: scrubMessage(m[2] ?? ""),
      frame: own ? { file: base(own.path), line: own.line, fn: own.fn?.replace(/^(async |new )/, "") ?? null } : null,
    };
  }
  return null;
}

const JAVA_STDLIB = /^(java|javax|jdk|sun|com\.sun)\./;

function parseJava(lines: string[]): CrashReport | null {
  // The root cause is the innermost "Caused by:", else the exception of the thread.
  let head = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^(Exception in thread "[^"]*" |Caused by: )[\w$.]+(Exception|Error|Throwable)\b/.test(lines[i]!)) head = i;
  }
  if (head < 0) return null;
  const m = /^(?:Exception in thread "[^"]*" |Caused by: )([\w$.]+)(?::\s?(.*))?$/.exec(lines[head]!)!;
  const frames: { fn: string; file: string; line: number | null }[] = [];
  for (let j = head + 1; j < lines.length; j++) {
    const f = /^\s+at ([\w$.<>/]+)\(([^:)]+)(?::(\d+))?\)$/.exec(lines[j]!);
    if (!f) {
      if (/^\s+\.\.\. \d+ more/.test(lines[j]!)) continue;
      break;
    }
    frames.push({ fn: f[1]!.replace(/^[\w.]+\//, ""), file: f[2]!, line: f[3] ? Number(f[3]) : null });
  }
  const own = frames.find((f) => !JAVA_STDLIB.test(f.fn)) ?? frames[0];
  return {
    language: "java",
    type: m[1]!.split(".").pop()!,
    message: scrubMessage(m[2] ?? ""),
    frame: own ? { file: own.file, line: own.line, fn: own.fn.split(".").slice(-2).join(".") } : null,
  };
}

function parseGo(lines: string[]): CrashReport | null {
  const i = lines.findIndex((l) => /^(panic|fatal error): /.test(l));
  if (i < 0) return null;
  const msg = lines[i]!.replace(/^(panic|fatal error): /, "").replace(/ \[recovered\]$/, "");
  const rt = /^runtime error: (.*)$/.exec(msg);
  let frame: Frame | null = null;
  for (let j = i + 1; j + 1 < lines.length; j++) {
    const fn = /^([\w./*()-]+)\(.*\)$/.exec(lines[j]!);
    const loc = /^\t(.+\.go):(\d+)/.exec(lines[j + 1]!);
    if (!fn || !loc) continue;
    if (/^(runtime|internal|syscall|os|sync|reflect|net|fmt|strconv|encoding)\W/.test(fn[1]!)) continue;
    frame = { file: base(loc[1]!), line: Number(loc[2]), fn: fn[1]!.split("/").pop()! };
    break;
  }
  return {
    language: "go",
    type: rt ? "runtime error" : lines[i]!.startsWith("fatal") ? "fatal error" : "panic",
    message: scrubMessage(rt ? rt[1]! : msg),
    frame,
  };
}

function parseRust(lines: string[]): CrashReport | null {
  for (let i = 0; i < lines.length; i++) {
    // Rust 1.73 and later: "thread 'main' panicked at src/main.rs:12:5:" then the message.
    const now = /^thread '[^']*' panicked at (.+?):(\d+):\d+:$/.exec(lines[i]!);
    if (now)
      return {
        language: "rust",
        type: "panic",
        message: scrubMessage(lines[i + 1] ?? ""),
        frame: { file: base(now[1]!), line: Number(now[2]), fn: null },
      };
    const old = /^thread '[^']*' panicked at '(.*)', (.+?):(\d+):\d+$/.exec(lines[i]!);
    if (old)
      return {
        language: "rust",
        type: "panic",
        message: scrubMessage(old[1]!),
        frame: { file: base(old[2]!), line: Number(old[3]), fn: null },
      };
  }
  return null;
}

const SAN_RUNTIME = /(compiler-rt|sanitizer_common|[\\/]asan[\\/]|[\\/]ubsan[\\/]|libc\.so|libc-|[\\/]glibc|libstdc\+\+)/;

function parseSanitizer(lines: string[]): CrashReport | null {
  const i = lines.findIndex((l) => /^==\d+==ERROR: \w+Sanitizer: /.test(l));
  if (i >= 0) {
    const m = /^==\d+==ERROR: (\w+Sanitizer): ([\w-]+)(.*)$/.exec(lines[i]!)!;
    let frame: Frame | null = null;
    for (let j = i + 1; j < lines.length && !frame; j++) {
      const f = /^\s+#\d+ 0x[0-9a-f]+ in (\S+) (\S+?):(\d+)(?::\d+)?$/.exec(lines[j]!);
      if (!f || SAN_RUNTIME.test(f[2]!) || /^(__interceptor_|__asan|__ubsan|__sanitizer)/.test(f[1]!)) continue;
      frame = { file: base(f[2]!), line: Number(f[3]), fn: f[1]! };
    }
    return {
      language: "sanitizer",
      type: `${m[1]}: ${m[2]}`,
      message: scrubMessage(m[3]!.replace(/ on (unknown )?address 0x[0-9a-f]+.*$/, "")),
      frame,
    };
  }
  // UBSan: "file.c:12:3: runtime error: signed integer overflow: ..."
  for (const l of lines) {
    const u = /^(.+?):(\d+):\d+: runtime error: (.*)$/.exec(l);
    if (u)
      return {
        language: "sanitizer",
        type: "UndefinedBehaviorSanitizer",
        message: scrubMessage(u[3]!),
        frame: { file: base(u[1]!), line: Number(u[2]), fn: null },
      };
  }
  return null;
}

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * The crash report of a process that exited with `code` / `signal` after printing `stderr`: the
 * last report it printed (the one that ended it), else its fatal signal (a shell reports a
 * signal as exit code 128 + N), else its exit code. Null when there is nothing at all.
 */
export function parseCrash(stderr: string, code: number | null = null, signal: string | null = null): CrashReport | null {
  const lines = stderr.replace(/\r/g, "").split("\n");
  const parsers = [parsePython, parseJava, parseGo, parseRust, parseSanitizer, parseNode];
  for (const p of parsers) {
    const r = p(lines);
    if (r) return r;
  }
  const sig = signal ?? (code !== null && code > 128 && SIGNAL_NAMES[code - 128] ? SIGNAL_NAMES[code - 128]! : null);
  if (sig) return { language: "signal", type: sig, message: "", frame: null };
  if (code !== null) return { language: "exit", type: `exit code ${code}`, message: "", frame: null };
  return null;
}

/** One line that names the bug: "Type: message at file:line in fn". */
export function crashSignature(r: CrashReport): string {
  const where = r.frame
    ? ` at ${r.frame.file}${r.frame.line !== null ? `:${r.frame.line}` : ""}${r.frame.fn ? ` in ${r.frame.fn}` : ""}`
    : "";
  return `${r.type}${r.message ? `: ${r.message}` : ""}${where}`;
}
