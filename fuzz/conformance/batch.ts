/**
 * Batch grading (`imp test server --exec-each FILE`): the suite over many implementations, one
 * command line each (`NAME: command with {port}`, or the bare command; blank lines and `#`
 * comments skipped), one report folder per implementation and a summary page (implementations x
 * cases) in `out/index.html`. Implementations run one after another; each gets `jobs` instances.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CaseInfo, ServerCase } from "./case.js";
import type { TargetTimers } from "./context.js";
import { batchHtml, type BatchRow } from "./report/html.js";
import { writeReports } from "./report/write.js";
import { runServerSuite, type SuiteResult } from "./runner.js";

export interface BatchEntry {
  name: string;
  command: string;
}

/** Most implementations one batch file may list. */
export const MAX_BATCH = 500;

/** Parses a batch file; throws an Error with a one-line message for a bad line. */
export function parseBatchFile(text: string): BatchEntry[] {
  const out: BatchEntry[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^([A-Za-z0-9_.-]{1,64}):\s+(.+)$/.exec(line);
    const name = m ? m[1]! : `impl-${out.length + 1}`;
    const command = m ? m[2]! : line;
    if (!command.includes("{port}")) throw new Error(`line ${i + 1}: the command must contain {port} (where the server is told its port)`);
    if (names.has(name)) throw new Error(`line ${i + 1}: the name ${name} is used twice`);
    names.add(name);
    out.push({ name, command });
  });
  if (out.length === 0) throw new Error("no command in it (one per line: NAME: command with {port})");
  if (out.length > MAX_BATCH) throw new Error(`${out.length} commands; at most ${MAX_BATCH}`);
  return out;
}

export interface BatchOptions {
  entries: readonly BatchEntry[];
  cases: readonly CaseInfo[];
  out: string;
  jobs: number;
  timers?: TargetTimers;
  progress?: (entry: BatchEntry, run: SuiteResult | null, error?: string) => void;
  signal?: AbortSignal;
  /** Runs the suite over one implementation (default: the server suite, with `cases` and `jobs`); the client suite passes its own. */
  run?: (entry: BatchEntry) => Promise<SuiteResult>;
  /** Named on the summary page (default server). */
  suite?: "server" | "client";
}

export async function runBatch(o: BatchOptions): Promise<{ rows: BatchRow[]; page: string }> {
  mkdirSync(o.out, { recursive: true });
  const rows: BatchRow[] = [];
  for (const e of o.entries) {
    if (o.signal?.aborted) break;
    const dir = join(o.out, e.name);
    try {
      const run = o.run
        ? await o.run(e)
        : await runServerSuite({
            url: "udp://127.0.0.1:0",
            exec: e.command,
            jobs: o.jobs,
            cases: o.cases as readonly ServerCase[],
            timers: o.timers,
            signal: o.signal,
          });
      await writeReports(dir, run);
      rows.push({ name: e.name, command: e.command, report: `${e.name}/report.html`, results: run.results });
      o.progress?.(e, run);
    } catch (err) {
      const error = (err as Error).message;
      rows.push({ name: e.name, command: e.command, report: `${e.name}/report.html`, results: [], error });
      o.progress?.(e, null, error);
    }
  }
  const page = join(o.out, "index.html");
  writeFileSync(
    page,
    batchHtml(
      rows,
      o.cases.map((c) => c.id),
      o.suite,
    ),
  );
  return { rows, page };
}
