/**
 * Runs server cases over one or more instances of the server under test. Without --exec, one
 * instance (the running server), cases one after another, each cleaning up its clients. With
 * --exec, `jobs` instances at once: the slowest cases (real 15 s timers) start first, and an
 * instance is started again after a case that left it dirty, did not pass, or killed it.
 */
import { compareIds, fail, type CaseResult, type Outcome, type ServerCase } from "./case.js";
import { CaseContext, SPEC_TIMERS, StepFailed, type TargetTimers } from "./context.js";
import { ServerInstance } from "./server-instance.js";

export interface SuiteOptions {
  /** udp://host:port (0 or {port} with exec). */
  url: string;
  exec?: string;
  jobs?: number;
  cases: readonly ServerCase[];
  timers?: TargetTimers;
  /** Bound on an answer that should come at once (ms, default 1000). */
  answerMs?: number;
  /** Called after each case. */
  progress?: (done: number, total: number, r: CaseResult) => void;
  signal?: AbortSignal;
}

export interface SuiteResult {
  /** Which suite ran (default server). */
  suite?: "server" | "client";
  /** The client suite: why the client could not be started for any case (a target that cannot be used). */
  notStarted?: string;
  target: string;
  exec?: string;
  results: CaseResult[];
  durationMs: number;
  startedAt: string;
}

/** A case's own bound: its timers plus 20 s. */
const caseBound = (c: ServerCase) => (c.slowMs ?? 0) + 20_000;

async function runOne(c: ServerCase, inst: ServerInstance, o: SuiteOptions): Promise<CaseResult> {
  const ctx = new CaseContext({ ...inst.address }, o.timers ?? SPEC_TIMERS, o.answerMs ?? 1000);
  const t0 = performance.now();
  let outcome: Outcome;
  let timer: NodeJS.Timeout | undefined;
  try {
    outcome = await Promise.race([
      c.run(ctx),
      new Promise<Outcome>(
        (resolve) => (timer = setTimeout(() => resolve(fail(`the case did not end within ${caseBound(c) / 1000} s`)), caseBound(c))),
      ),
    ]);
  } catch (e) {
    outcome = e instanceof StepFailed ? fail(e.message) : fail(`error: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  await ctx.close();
  // A server that died during the case fails it, whatever the case saw.
  const exit = inst.exitInfo();
  if (exit) {
    const how = exit.signal ?? `code ${exit.code}`;
    outcome = fail(`the server exited (${how})${exit.exception ? `: ${exit.exception}` : ""}; ${outcome.observed}`);
  }
  return {
    id: c.id,
    title: c.title,
    sections: c.sections,
    expect: outcome.expected ?? c.expect,
    verdict: outcome.verdict,
    observed: outcome.observed + (ctx.dropped ? ` (${ctx.dropped} datagrams beyond the first ${ctx.exchange.length} not recorded)` : ""),
    durationMs: performance.now() - t0,
    exchange: ctx.exchange,
    target: { ...inst.address },
  };
}

export async function runServerSuite(o: SuiteOptions): Promise<SuiteResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const jobs = o.exec === undefined ? 1 : Math.max(1, Math.min(o.jobs ?? 1, o.cases.length || 1));
  const instances = Array.from({ length: jobs }, () => new ServerInstance(o.url, o.exec));
  const queue = [...o.cases].sort((a, b) => (b.slowMs ?? 0) - (a.slowMs ?? 0) || compareIds(a.id, b.id));
  const results: CaseResult[] = [];
  try {
    const opened = await Promise.allSettled(instances.map((i) => i.open()));
    const failed = opened.find((x) => x.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    let gone: string | null = null;
    await Promise.all(
      instances.map(async (inst) => {
        let restart = false;
        for (let c = queue.shift(); c; c = queue.shift()) {
          if (o.signal?.aborted) break;
          let r: CaseResult;
          if (gone) {
            r = { ...c, verdict: "fail", observed: gone, durationMs: 0, exchange: [], target: inst.address, expect: c.expect };
          } else {
            if (restart) await inst.restart();
            r = await runOne(c, inst, o);
            restart = o.exec !== undefined && (c.dirty === true || r.verdict !== "pass" || inst.exitInfo() !== null);
            if (o.exec === undefined && r.verdict === "fail" && !(await inst.probe(1000)))
              gone = `the server no longer answers (after case ${c.id})`;
          }
          results.push(r);
          o.progress?.(results.length, o.cases.length, r);
        }
      }),
    );
  } finally {
    await Promise.all(instances.map((i) => i.close()));
  }
  results.sort((a, b) => compareIds(a.id, b.id));
  return { target: o.url, ...(o.exec !== undefined ? { exec: o.exec } : {}), results, durationMs: performance.now() - t0, startedAt };
}
