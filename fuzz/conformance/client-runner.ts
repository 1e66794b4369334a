/**
 * Runs client cases: each case starts the client under test afresh (`--exec`, {port} the port of
 * the server impkit plays, {name} a username of its own), `jobs` cases at once, the slowest first.
 * A client that cannot be started fails the case with the reason; a case that needs an action the
 * driver lacks is Unimplemented; a client that dies with an uncaught exception fails the case.
 */
import { compareIds, fail, type CaseResult, type Outcome } from "./case.js";
import { ClientCaseContext, Unimplemented, type ClientCase } from "./client-context.js";
import { MAX_EXCHANGE, SPEC_TIMERS, StepFailed, type TargetTimers } from "./context.js";
import type { Driver } from "./driver.js";
import type { SuiteResult } from "./runner.js";

export interface ClientSuiteOptions {
  /** The command; {port} and {name} are replaced. */
  exec: string;
  driver: Driver;
  jobs?: number;
  cases: readonly ClientCase[];
  timers?: TargetTimers;
  answerMs?: number;
  progress?: (done: number, total: number, r: CaseResult) => void;
  signal?: AbortSignal;
}

const caseBound = (c: ClientCase) => (c.slowMs ?? 0) + 20_000;

/** A username per case (1..8 printable characters): "imp" and the case's number. */
const nameFor = (i: number) => `imp${i % 100000}`;

/** A case's result, and why the client could not be started for it (null: it was). */
async function runOne(c: ClientCase, i: number, o: ClientSuiteOptions): Promise<CaseResult & { startError: string | null }> {
  const ctx = new ClientCaseContext({
    exec: o.exec,
    name: nameFor(i),
    driver: o.driver,
    timers: o.timers ?? SPEC_TIMERS,
    answerMs: o.answerMs ?? 1000,
    handshake: c.handshake !== false,
  });
  const t0 = performance.now();
  let outcome: Outcome;
  let timer: NodeJS.Timeout | undefined;
  let startError: string | null = null;
  try {
    await ctx.t.open().catch((e: unknown) => {
      startError = (e as Error).message;
      throw e;
    });
    outcome = await Promise.race([
      c.run(ctx),
      new Promise<Outcome>(
        (resolve) => (timer = setTimeout(() => resolve(fail(`the case did not end within ${caseBound(c) / 1000} s`)), caseBound(c))),
      ),
    ]);
  } catch (e) {
    if (e instanceof Unimplemented) outcome = { verdict: "unimplemented", observed: e.message };
    else if (e instanceof StepFailed) outcome = fail(e.message);
    else outcome = fail(`${e instanceof Error && e.name === "TargetError" ? "" : "error: "}${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  const exit = ctx.t.exitInfo();
  if (exit?.exception) outcome = fail(`the client crashed (${exit.signal ?? `code ${exit.code}`}): ${exit.exception}; ${outcome.observed}`);
  const target = { ...ctx.t.address };
  await ctx.close();
  return {
    id: c.id,
    title: c.title,
    sections: c.sections,
    expect: outcome.expected ?? c.expect,
    verdict: outcome.verdict,
    observed: outcome.observed + (ctx.dropped ? ` (${ctx.dropped} datagrams beyond the first ${MAX_EXCHANGE} not recorded)` : ""),
    durationMs: performance.now() - t0,
    exchange: ctx.exchange(),
    target,
    startError,
  };
}

export async function runClientSuite(o: ClientSuiteOptions): Promise<SuiteResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, o.cases.length || 1));
  const queue = [...o.cases].map((c, i) => ({ c, i })).sort((a, b) => (b.c.slowMs ?? 0) - (a.c.slowMs ?? 0) || compareIds(a.c.id, b.c.id));
  const results: CaseResult[] = [];
  let started = false;
  let startError: string | null = null;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let q = queue.shift(); q; q = queue.shift()) {
        if (o.signal?.aborted) break;
        const { startError: why, ...r } = await runOne(q.c, q.i, o);
        if (why === null) started = true;
        else startError ??= why;
        results.push(r);
        o.progress?.(results.length, o.cases.length, r);
      }
    }),
  );
  results.sort((a, b) => compareIds(a.id, b.id));
  return {
    suite: "client",
    target: o.exec,
    exec: o.exec,
    results,
    durationMs: performance.now() - t0,
    startedAt,
    ...(!started && startError !== null ? { notStarted: startError } : {}),
  };
}
