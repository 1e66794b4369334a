/**
 * imp fuzz throughput against the bundled server over loopback, one core for the fuzzer (the
 * server is its child process), every oracle on: cases per second stateless and stateful, each
 * beside a plain loop in the same run that only sends the same datagrams and waits for the
 * replies (the ceiling: the same barrier, no generation, mutation, oracles or bookkeeping).
 *
 * Then a crash-prone foreign target: the Python fixture server (test/fixtures/targets/python),
 * with its four planted crash sites and a 200 ms start-up, stateless and stateful, with one job
 * and with --jobs N (N instances at once), each campaign --runs times, medians and the ratio;
 * both with --skip-known (cases shaped like a crash already minimised are not run), unless
 * --no-skip-known.
 *
 *   npx tsx bench/fuzz.ts [--cases N] [--seconds S] [--jobs N] [--runs R] [--no-skip-known]      (or npm run bench -- fuzz)
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RemoteTarget } from "../fuzz/targets/remote.js";
import { runJobs } from "../fuzz/campaign/campaign.js";
import { BundledServerTarget } from "../fuzz/targets/bundled-server.js";
import { runCampaign } from "../fuzz/campaign/campaign.js";
import type { Datagram } from "../fuzz/targets/target.js";
import { FuzzSession } from "../fuzz/session/session.js";
import { availableStates, generateCase } from "../fuzz/campaign/generate.js";
import { printRows, type BenchRow } from "./report.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Sends each case's datagrams again, one barrier (wait for every reply) after each. */
async function ceiling(target: BundledServerTarget, cases: Datagram[][][], seconds: number): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for (;;) {
    for (const c of cases) {
      for (const group of c) {
        if (group.length === 0) continue;
        for (const d of group) target.send(d.socket, d.bytes);
        await target.barrier();
        target.receive();
      }
      n++;
      if (performance.now() - t0 > seconds * 1000) return n / ((performance.now() - t0) / 1000);
    }
  }
}

/**
 * The datagrams the fuzzer sends for each of the first `count` cases (recorded from a real run),
 * in the groups it sent them (datagrams sent with no reply between them go out together).
 */
async function record(target: BundledServerTarget, stateful: boolean, count: number): Promise<Datagram[][][]> {
  const session = new FuzzSession(target, { keepLog: true });
  await session.start();
  const gen = { stateful, states: availableStates(true), direction: "C→S" as const };
  const out: Datagram[][][] = [];
  for (let i = 0; i < count; i++) {
    const r = await session.run(generateCase(99, i, gen));
    const groups: Datagram[][] = [];
    let last: "in" | "out" = "in";
    for (const d of r.log) {
      if (d.dir === "out") {
        if (last === "in") groups.push([]);
        groups[groups.length - 1]!.push(d);
      }
      last = d.dir;
    }
    out.push(groups);
  }
  target.logging = false;
  return out;
}

export async function benchFuzz(): Promise<BenchRow[]> {
  const seconds = option("seconds", 5);
  const rows: BenchRow[] = [];
  for (const stateful of process.argv.includes("--crash-prone-only") ? [] : [false, true]) {
    const target = new BundledServerTarget();
    await target.open();
    try {
      const cases = option("cases", stateful ? 3000 : 30_000);
      let recorded = await record(target, stateful, stateful ? 300 : 2000);
      if (!stateful) {
        // The fuzzer sends stateless cases 8 at a time from 8 addresses, then waits: so does the loop.
        const flat = recorded.map((c) => c.flat());
        recorded = [];
        for (let k = 0; k + 8 <= flat.length; k += 8) recorded.push([flat.slice(k, k + 8).map((c, j) => ({ ...c[0]!, socket: 4 + j }))]);
      }
      const perCase = recorded.reduce((a, c) => a + c.reduce((b, g) => b + g.length, 0), 0) / recorded.length / (stateful ? 1 : 8);
      const base = (await ceiling(target, recorded, Math.min(seconds, 3))) * (stateful ? 1 : 8);
      await target.restart();
      // Every oracle on, the conversation analysis (sequence) too.
      const r = await runCampaign({ target, seed: 1, cases, durationMs: seconds * 1000, stateful, sequence: true });
      rows.push({
        name: `imp fuzz ${stateful ? "stateful" : "stateless"}, oracles on`,
        rate: r.casesPerSecond,
        unit: "cases",
        baseline: base,
        baselineName: "send+wait loop",
        extra: `${perCase.toFixed(1)} datagrams/case sent, ${r.findings.length} findings, ${r.cases} cases`,
      });
    } finally {
      await target.close();
    }
  }
  if (rows.length > 0) {
    printRows("fuzz (bundled server over loopback)", rows);
    console.log("  boofuzz here: 100-130 cases/s with its per-case DB commit, 3 200-5 000/s without");
  }
  const foreign = await benchCrashProne(seconds);
  return [...rows, ...foreign];
}

/** Wall time of `python3 -c pass`: how loaded the machine is, for the crash-prone rows. */
function pythonStartMs(): number {
  const t0 = performance.now();
  execFileSync("python3", ["-c", "pass"]);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One campaign against `jobs` instances of the Python fixture with its crash sites: cases/s and restarts. */
async function crashProneRun(
  stateful: boolean,
  jobs: number,
  seconds: number,
  seed: number,
): Promise<{
  rate: number;
  cases: number;
  restarts: number;
  findings: number;
  skipped: number;
  /** Wall time per job waiting for restarts, and minimising (ms). */
  restartMs: number;
  minimiseMs: number;
}> {
  // From bench/ (tsx) or dist/bench/ (the build).
  const up = import.meta.url.includes("/dist/bench/") ? "../../" : "../";
  const server = fileURLToPath(new URL(`${up}test/fixtures/targets/python/imp_server.py`, import.meta.url));
  const exec = `python3 "${server}" {port} --crash short-hl,reserved-type,non-ascii-name,ack-no-session --startup-ms 200`;
  const spares = option("spares", 1);
  const targets = Array.from({ length: jobs }, () => new RemoteTarget({ url: "udp://127.0.0.1:0", exec, hangMs: 300, spares }));
  try {
    await Promise.all(targets.map((t) => t.open()));
    const skipKnown = !process.argv.includes("--no-skip-known");
    const r = await runJobs(
      { target: targets[0]!, seed, durationMs: seconds * 1000, stateful, probeEvery: 500, probeMs: 300, skipKnown },
      targets,
    );
    return {
      rate: r.casesPerSecond,
      cases: r.cases,
      restarts: r.restarts,
      findings: r.findings.length,
      skipped: r.skipped,
      restartMs: targets.reduce((n, t) => n + t.restartStats.ms, 0) / jobs,
      minimiseMs: r.minimiseMs / jobs,
    };
  } finally {
    await Promise.all(targets.map((t) => t.close()));
  }
}

export async function benchCrashProne(seconds: number): Promise<BenchRow[]> {
  const jobs = option("jobs", 8);
  const runs = option("runs", 3);
  const rows: BenchRow[] = [];
  for (const stateful of [false, true]) {
    const one: number[] = [];
    const many: number[] = [];
    let info = "";
    for (let k = 0; k < runs; k++) {
      const o = await crashProneRun(stateful, 1, seconds, k + 1);
      one.push(o.rate);
      const r = await crashProneRun(stateful, jobs, seconds, k + 1);
      many.push(r.rate);
      const s = (ms: number) => (ms / 1000).toFixed(1);
      info =
        `a restart every ${(r.cases / Math.max(1, r.restarts)).toFixed(0)} cases, ${r.findings} findings, ${r.skipped} cases skipped (known shapes); ` +
        `per job of ${seconds} s: restarts ${s(r.restartMs)} s, minimising ${s(r.minimiseMs)} s (one job: ${s(o.restartMs)} s, ${s(o.minimiseMs)} s)`;
    }
    rows.push({
      name: `${stateful ? "stateful" : "stateless"}, --jobs ${jobs} (median of ${runs})`,
      rate: median(many),
      unit: "cases",
      baseline: median(one),
      baselineName: "one job",
      extra: `${info}; runs ${many.map((x) => x.toFixed(0)).join(", ")} vs ${one.map((x) => x.toFixed(0)).join(", ")}`,
    });
  }
  printRows(`fuzz (crash-prone Python fixture server, 200 ms start-up, ${option("spares", 1)} spare(s) per job)`, rows);
  console.log(`  python3 -c pass: ${pythonStartMs().toFixed(0)} ms wall now (about 50 ms on a quiet machine)`);
  return rows;
}

if (process.argv[1] && /bench[/\\]fuzz\.[jt]s$/.test(process.argv[1])) await benchFuzz();
