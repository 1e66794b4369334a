/**
 * A fuzzing campaign: numbered, seeded cases against one target, the oracles after every case,
 * findings deduplicated (oracle + signature), minimised and saved for replay, a progress line
 * about once a second, and a report at the end. Results are kept in memory and written in one
 * batch; only findings (rare) are written when found.
 */
import { join } from "node:path";
import { findingKey, type Finding, type FuzzCase, type SavedCase } from "../case.js";
import { Rng } from "../rng.js";
import { FuzzSession, livenessProbe, type CaseRunner } from "../session/session.js";
import { ClientSession, CLIENT_STATES } from "../session/client-session.js";
import { statePath } from "../session/states.js";
import { TargetError, type Target } from "../targets/target.js";
import { memoryOracle } from "../oracles/oracles.js";
import { levelOf, type Level } from "../oracles/verdicts.js";
import { availableStates, generateCase, mutateCorpusCase } from "./generate.js";
import { matchesShape, otherTypeCase, shapeOf, type Shape } from "./known-shapes.js";
import { minimise } from "./minimise.js";
import { saveFinding, toSaved } from "./save.js";
import { writeReport } from "./report.js";
import { Lanes } from "../targets/lanes.js";

export interface CampaignOptions {
  target: Target;
  seed: number;
  /** Stop after this many cases (default: unbounded, then durationMs must be set). */
  cases?: number;
  durationMs?: number;
  /** Bring the target into states first (default: stateless, every case from a fresh address). */
  stateful?: boolean;
  /** Directory for findings (case JSON + pcap) and the report; none: nothing is written. */
  out?: string;
  /** Keep cases that reach new code in the corpus (targets with coverage). */
  coverage?: boolean;
  minimise?: boolean;
  /** Full liveness probe (connect, list, disconnect) every N cases; 1: after every case. Default 500. */
  probeEvery?: number;
  probeMs?: number;
  /** Heap check (after GC) every N cases (targets with a debug channel). Default 5000. */
  memoryEvery?: number;
  progress?: (line: string) => void;
  /** Stateless cases per round against a target with a debug channel (default 8; 1: one at a time). */
  batch?: number;
  /**
   * Stateful cases at once against a target with a debug channel and a virtual clock (default 1:
   * one at a time). Lanes measured slower here (650 against 940 cases/s with 4 lanes): every fuzz
   * client is in the Public Group, so each connection and departure of one lane sends Update
   * Lists to the clients of every other lane, and a case sent 52 datagrams instead of 21.5.
   */
  lanes?: number;
  /**
   * Stateful cases on a virtual clock: the next case's Connection Requests go out, from a second
   * set of sockets, while this case's clock is run out (default true; false: one after the other).
   */
  overlap?: boolean;
  /** The conversation analysis as a conformance oracle (server targets; see SessionOptions.sequence). */
  sequence?: boolean;
  /**
   * One job of a parallel campaign (runJobs): the next case number to run (null: none left),
   * shared with the other jobs, and the findings they share (one finding per signature in all).
   */
  job?: { next: () => number | null; found: Map<string, FoundFinding>; files: { n: number } };
  /**
   * Skip generated cases that match the shape of a crash or hang already minimised
   * (./known-shapes.ts has the rule): fewer restarts of a crash-prone target. Default false.
   */
  skipKnown?: boolean;
  /** Called with every case before it runs (determinism tests). */
  onCase?: (c: FuzzCase) => void;
  /**
   * Ends the campaign after the case under way (Ctrl-C): the result and the report cover the
   * cases run, and say why it stopped (`stopped`: "interrupted", or the signal's reason).
   */
  signal?: AbortSignal;
}

export interface FoundFinding {
  finding: Finding;
  /** fail or non-strict (fuzz/oracles/verdicts.ts). */
  level: Level;
  /** Times the campaign hit it. */
  hits: number;
  firstCase: number;
  original: FuzzCase;
  minimised: FuzzCase;
  reproduced: boolean;
  files?: { json: string; pcap: string };
  /** With skipKnown: generated cases of this shape are not run (./known-shapes.ts). */
  shape?: Shape;
}

export interface CampaignResult {
  target: string;
  seed: number;
  stateful: boolean;
  /** Stateful cases whose prefix started during the previous case's teardown (RunOptions.next). */
  overlapped: number;
  /** Cases run (skipped ones not included); casesPerSecond counts these. */
  cases: number;
  /** Generated cases not run because they match a known crash's shape (skipKnown). */
  skipped: number;
  durationMs: number;
  casesPerSecond: number;
  findings: FoundFinding[];
  statesReached: Record<string, number>;
  restarts: number;
  /** Wall time spent minimising findings (and saving them), summed over jobs: off the cases' count. */
  minimiseMs: number;
  corpus: number;
  coverage?: { covered: number; total: number };
  /** Why the campaign stopped before its bound (a target that cannot be restarted is gone). */
  stopped?: string;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const target = o.target;
  const session = createRunner(target, { sequence: o.sequence ?? false });
  await session.start();
  const stateful = o.stateful ?? false;
  const states = target.role === "client" ? CLIENT_STATES.map((s) => s.name) : availableStates(target.capabilities.virtualClock);
  const roles = target.role === "client" ? Object.fromEntries(CLIENT_STATES.map((s) => [s.name, s.roles])) : undefined;
  const gen = { stateful, states, roles, direction: target.role === "server" ? ("C→S" as const) : ("S→C" as const) };
  const maxCases = o.cases ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(maxCases) && o.durationMs === undefined) throw new Error("a campaign needs --cases or --duration");
  const probeEvery = o.probeEvery ?? 500;
  const probeMs = o.probeMs ?? 1000;
  const memoryEvery = o.memoryEvery ?? 5000;
  const memTarget = target as Target & { memory?: () => Promise<{ ok: boolean; debug?: { heapUsed?: number } }> };
  const found = o.job?.found ?? new Map<string, FoundFinding>();
  const fileCount = o.job?.files ?? { n: 0 };
  const statesReached: Record<string, number> = {};
  const corpus: FuzzCase[] = [];
  let restarts = 0;
  let skipped = 0;
  let minimiseMs = 0;
  const pathOf = (state: string) => session.statePath?.(state) ?? statePath(state);
  const known = (c: FuzzCase): boolean => {
    for (const f of found.values()) if (f.shape && matchesShape(f.shape, c, pathOf)) return true;
    return false;
  };
  let coverage: { covered: number; total: number } | undefined;
  let heapBaseline: number | undefined;
  const t0 = performance.now();
  let lastProgress = t0;
  let i = 0;

  const progress = (final = false) => {
    const el = (performance.now() - t0) / 1000;
    const reached = Object.keys(statesReached).length;
    o.progress?.(
      `cases ${i} (${Math.round(i / Math.max(el, 1e-9))}/s) findings ${found.size} states ${reached}/${stateful ? states.filter((s) => s !== "fresh").length : 1} restarts ${restarts}` +
        (coverage ? ` coverage ${coverage.covered}/${coverage.total} corpus ${corpus.length}` : "") +
        (final ? " done" : ""),
    );
  };

  const record = async (c: FuzzCase, findings: Finding[], probe: boolean) => {
    for (const f of findings) {
      const key = findingKey(f);
      const known = found.get(key);
      if (known) {
        known.hits++;
        continue;
      }
      const entry: FoundFinding = {
        finding: { ...f, level: levelOf(f) },
        level: levelOf(f),
        hits: 1,
        firstCase: c.id,
        original: c,
        minimised: c,
        reproduced: false,
      };
      found.set(key, entry);
      const m0 = performance.now();
      if (o.minimise !== false) {
        const m = await minimise(session, c, f, { probe, probeMs });
        entry.minimised = m.case;
        entry.reproduced = m.reproduced;
        if (o.skipKnown && m.reproduced && (f.oracle === "crash" || f.oracle === "hang")) {
          // One more run: does the trigger hold whatever the message's Type?
          const other = otherTypeCase(m.case);
          const anyType = other !== null && (await session.run(other, { probe, probeMs })).findings.some((g) => findingKey(g) === key);
          entry.shape = shapeOf(m.case, anyType);
        }
      }
      if (o.out) {
        if (f.oracle === "resources" || f.oracle === "state") await session.fresh();
        target.takeLog();
        target.logging = true;
        // The address the case ran against: a crash swaps in a spare on another port.
        const at = target.address;
        const { log } = await session.run(entry.minimised, { probe, probeMs });
        target.logging = false;
        const saved: SavedCase = {
          format: "impkit-fuzz-case",
          version: 1,
          target: target.name,
          spec: target.spec,
          seed: o.seed,
          finding: entry.finding,
          original: c,
          case: entry.minimised,
          datagrams: toSaved(log, at),
        };
        entry.files = await saveFinding(join(o.out, "findings"), `finding-${String(++fileCount.n).padStart(3, "0")}-${f.oracle}`, saved);
      }
      minimiseMs += performance.now() - m0;
    }
  };

  // Stateless cases against a target with a debug channel go out in batches (runBatch); a batch
  // where anything shows is run again case by case. Probes and memory checks stay on their cases.
  const batchSize =
    !stateful && !o.coverage && target.capabilities.debug && session instanceof FuzzSession ? Math.min(o.batch ?? 8, session.batchSize) : 1;
  const checkDue = (n: number) => probeEvery <= 1 || (n + 1) % probeEvery === 0 || (memoryEvery > 0 && (n + 1) % memoryEvery === 0);
  let stopped: string | undefined;
  const runOne = async (c: FuzzCase, next?: FuzzCase) => {
    if (stopped !== undefined) return;
    o.onCase?.(c);
    const probe = probeEvery <= 1 || (c.id + 1) % probeEvery === 0;
    const r = await session.run(c, { probe, probeMs, ...(next ? { next } : {}) });
    if (r.reached) statesReached[c.state] = (statesReached[c.state] ?? 0) + 1;
    if (r.restarted) restarts++;
    if (r.fatal) {
      // Nothing left to minimise or replay against: keep the findings as found and stop.
      stopped = r.fatal;
      for (const f of r.findings)
        if (!found.has(findingKey(f)))
          found.set(findingKey(f), {
            finding: { ...f, level: levelOf(f) },
            level: levelOf(f),
            hits: 1,
            firstCase: c.id,
            original: c,
            minimised: c,
            reproduced: false,
          });
      return;
    }
    if (r.findings.length > 0) await record(c, r.findings, probe);
  };
  // Stateful cases against a target with a debug channel and a virtual clock run in lanes, one
  // case per lane at once; the clock is run out and the tables checked once for the round, and a
  // round where anything shows is run again case by case.
  const laneCount =
    stateful && !o.coverage && target.capabilities.debug && target.capabilities.virtualClock && session instanceof FuzzSession
      ? Math.min(o.lanes ?? 1, Math.floor(target.socketCount / 4))
      : 1;
  const lanes = laneCount > 1 ? new Lanes(target, laneCount) : null;
  const laneSessions = lanes ? lanes.views.map((v, k) => new FuzzSession(v, { lane: { suffix: String(k) } })) : [];
  // Single stateful cases (the session uses a virtual clock only): the next case's prefix
  // overlaps this one's teardown.
  const prepareNext = !o.job && stateful && o.overlap !== false && !o.coverage && laneCount === 1 && session instanceof FuzzSession;
  let upcoming: FuzzCase | null = null;
  const runLanes = async (batch: FuzzCase[]): Promise<boolean> => {
    const results = await Promise.all(batch.map((c, k) => laneSessions[k]!.run(c)));
    if (results.some((r) => r.failed)) return false;
    const b = await target.advance!(120_000);
    lanes!.clear();
    const d = b.debug;
    if (!b.ok || !d || target.exitInfo()) return false;
    if (
      d.sessions !== (session as FuzzSession).baseline.sessions ||
      d.groups ||
      d.invitations ||
      d.departures ||
      d.queued ||
      d.timers ||
      d.violations.length
    )
      return false;
    // Findings already known only count a hit; a new one sends the round through the single path.
    for (const r of results) for (const f of r.findings) if (!found.has(findingKey(f))) return false;
    for (const r of results) for (const f of r.findings) found.get(findingKey(f))!.hits++;
    for (let k = 0; k < batch.length; k++)
      if (results[k]!.reached) statesReached[batch[k]!.state] = (statesReached[batch[k]!.state] ?? 0) + 1;
    return true;
  };
  try {
    while (i < maxCases && stopped === undefined) {
      if (o.durationMs !== undefined && performance.now() - t0 >= o.durationMs) break;
      if (o.signal?.aborted) {
        stopped = typeof o.signal.reason === "string" ? o.signal.reason : "interrupted";
        break;
      }
      let batched = false;
      if (lanes && i + laneCount <= maxCases) {
        let due = false;
        for (let k = 0; k < laneCount && !due; k++) due = checkDue(i + k);
        if (!due) {
          const batch: FuzzCase[] = [];
          for (let k = 0; k < laneCount; k++) batch.push(generateCase(o.seed, i + k, gen));
          if (await runLanes(batch)) {
            for (const c of batch) o.onCase?.(c);
          } else {
            // Case by case from a clean target: what the lanes left is run out, or the target restarted.
            lanes.clear();
            const b = target.exitInfo() ? null : await target.advance!(120_000);
            lanes.clear();
            const d = b?.debug;
            if (
              !b?.ok ||
              !d ||
              d.sessions !== (session as FuzzSession).baseline.sessions ||
              d.groups ||
              d.invitations ||
              d.queued ||
              d.violations.length
            )
              await session.fresh();
            for (const c of batch) await runOne(c);
          }
          i += laneCount;
          batched = true;
        }
      }
      if (batchSize > 1 && i + batchSize <= maxCases) {
        let due = false;
        for (let k = 0; k < batchSize && !due; k++) due = checkDue(i + k);
        if (!due) {
          const batch: FuzzCase[] = [];
          for (let k = 0; k < batchSize; k++) batch.push(generateCase(o.seed, i + k, gen));
          if (await (session as FuzzSession).runBatch(batch)) {
            for (const c of batch) o.onCase?.(c);
            statesReached.fresh = (statesReached.fresh ?? 0) + batchSize;
          } else {
            for (const c of batch) await runOne(c);
          }
          i += batchSize;
          batched = true;
        }
      }
      if (!batched) {
        const id = o.job ? o.job.next() : i;
        if (id === null) break;
        let c = upcoming?.id === id ? upcoming : generateCase(o.seed, id, gen);
        if (o.coverage && corpus.length > 0) {
          const rng = Rng.forCase(o.seed ^ 0x5bd1e995, i);
          if (rng.chance(0.3)) c = mutateCorpusCase(rng, rng.pick(corpus), i);
        }
        // The next case's prefix starts during this case's teardown (one round trip less a case).
        upcoming = prepareNext && i + 1 < maxCases ? generateCase(o.seed, i + 1, gen) : null;
        if (o.skipKnown && known(c)) {
          skipped++;
          upcoming = null;
          i++;
          continue;
        }
        await runOne(c, upcoming ?? undefined);
        if (o.coverage && target.coverage) {
          const cov = await target.coverage();
          coverage = { covered: cov.covered, total: cov.total };
          if (cov.newBlocks > 0 && i > 0) corpus.push(c);
        }
        if (memTarget.memory && memoryEvery > 0 && (i + 1) % memoryEvery === 0) {
          const m = await memTarget.memory();
          const heap = m.debug?.heapUsed;
          if (heapBaseline === undefined) heapBaseline = heap;
          else {
            const f = memoryOracle(heap, heapBaseline, 64 * 1024 * 1024);
            if (f) await record(c, [f], false);
          }
        }
        i++;
      }
      const now = performance.now();
      if (o.progress && now - lastProgress >= 1000) {
        lastProgress = now;
        progress();
      }
    }
  } catch (e) {
    // A target that cannot be restarted after a crash or a hang (its --exec command no longer
    // starts, it no longer answers): the campaign ends with what it found.
    if (!(e instanceof TargetError)) throw e;
    stopped = e.message;
  }
  const durationMs = performance.now() - t0;
  if (session instanceof FuzzSession) await session.release();
  if (o.progress) progress(true);
  const result: CampaignResult = {
    ...(stopped ? { stopped } : {}),
    target: target.name,
    seed: o.seed,
    stateful,
    cases: i - skipped,
    skipped,
    durationMs,
    casesPerSecond: (i - skipped) / Math.max(durationMs / 1000, 1e-9),
    findings: [...found.values()],
    statesReached,
    restarts,
    minimiseMs,
    overlapped: session instanceof FuzzSession ? session.preparedRuns : 0,
    corpus: corpus.length,
    ...(coverage ? { coverage } : {}),
  };
  if (o.out && !o.job) writeReport(o.out, result);
  return result;
}

/**
 * A campaign on `jobs` targets at once (`--jobs N`: each its own --exec process on its own port):
 * the jobs take case numbers from one counter and share their findings (one per signature, each
 * minimised on the job that found it), so a crash-prone target's restarts overlap with cases
 * on the others. The result is one campaign's: cases and restarts summed, one report.
 */
export async function runJobs(o: CampaignOptions, targets: readonly Target[]): Promise<CampaignResult> {
  if (targets.length === 1) return runCampaign({ ...o, target: targets[0]! });
  const max = o.cases ?? Number.POSITIVE_INFINITY;
  let nextId = 0;
  const job = {
    next: () => (nextId < max && !o.signal?.aborted ? nextId++ : null),
    found: new Map<string, FoundFinding>(),
    files: { n: 0 },
  };
  const t0 = performance.now();
  let lastProgress = t0;
  const results = await Promise.all(
    targets.map((target, k) =>
      runCampaign({
        ...o,
        target,
        cases: undefined,
        durationMs: o.durationMs ?? Number.POSITIVE_INFINITY,
        job,
        progress:
          k === 0 && o.progress
            ? () => {
                const now = performance.now();
                if (now - lastProgress < 1000) return;
                lastProgress = now;
                o.progress!(
                  `cases ${nextId} (${Math.round(nextId / Math.max((now - t0) / 1000, 1e-9))}/s) findings ${job.found.size} jobs ${targets.length}`,
                );
              }
            : undefined,
      }),
    ),
  );
  const durationMs = performance.now() - t0;
  const statesReached: Record<string, number> = {};
  for (const r of results) for (const [s, n] of Object.entries(r.statesReached)) statesReached[s] = (statesReached[s] ?? 0) + n;
  const cases = results.reduce((n, r) => n + r.cases, 0);
  const skipped = results.reduce((n, r) => n + r.skipped, 0);
  const stopped = results.find((r) => r.stopped)?.stopped;
  const result: CampaignResult = {
    ...(stopped ? { stopped } : {}),
    target: `${targets[0]!.name} x ${targets.length} jobs`,
    seed: o.seed,
    stateful: o.stateful ?? false,
    cases,
    skipped,
    durationMs,
    casesPerSecond: cases / Math.max(durationMs / 1000, 1e-9),
    findings: [...job.found.values()],
    statesReached,
    restarts: results.reduce((n, r) => n + r.restarts, 0),
    minimiseMs: results.reduce((n, r) => n + r.minimiseMs, 0),
    overlapped: 0,
    corpus: 0,
  };
  if (o.progress)
    o.progress(`cases ${cases} (${Math.round(result.casesPerSecond)}/s) findings ${result.findings.length} jobs ${targets.length} done`);
  if (o.out) writeReport(o.out, result);
  return result;
}

/** Runs a saved case once: does it still trigger its finding? */
export async function replayCase(target: Target, saved: SavedCase, probeMs = 1000): Promise<{ reproduced: boolean; findings: Finding[] }> {
  const session = createRunner(target, { sequence: saved.finding.signature.startsWith("imp.analysis.") });
  await session.start();
  const probe = saved.finding.oracle === "hang" && saved.finding.signature.startsWith("liveness probe");
  const r = await session.run(saved.case, { probe, probeMs });
  return { reproduced: r.findings.some((f) => findingKey(f) === findingKey(saved.finding)), findings: r.findings };
}

export { livenessProbe };

/** The case runner for a target's role. */
export function createRunner(target: Target, options: { sequence?: boolean } = {}): CaseRunner {
  return target.role === "client" ? new ClientSession(target) : new FuzzSession(target, { sequence: options.sequence ?? false });
}
