/**
 * The worker thread of a parallel summary read (summary-worker.ts), started ahead of need: its
 * modules take about 45 ms to load, as long as the main thread's own start-up, so `imp read`
 * starts it before loading the CLI (`prestartSummaryWorker`) and hands it its job later. A
 * worker nobody takes does not keep the process alive (it is unref'd until taken).
 *
 * This module is imported before everything else: it only needs node:worker_threads.
 */
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** Running from the TypeScript sources (tests), the worker's source runs through tsx. */
const FROM_SOURCES = import.meta.url.endsWith(".ts");
export const SUMMARY_WORKER = new URL(FROM_SOURCES ? "./summary-worker-tsx.mjs" : "./summary-worker.js", import.meta.url);

function startWorker(): Worker {
  return new Worker(SUMMARY_WORKER);
}

/** Smaller captures are read on one thread: a worker (about 40 ms to start) would not pay off. */
export const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;

let ready: Worker | null = null;

/** Whether `path` is a capture file big enough for a parallel read. */
export function bigEnoughForThreads(path: string, minBytes = PARALLEL_MIN_BYTES): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && st.size >= minBytes;
  } catch {
    return false;
  }
}

/** Whether the worker's file is there. */
export function summaryWorkerAvailable(): boolean {
  return existsSync(fileURLToPath(SUMMARY_WORKER));
}

/**
 * Starts a worker now, to be taken by the next parallel summary read, when one of `args` (the
 * arguments of `imp read`) names a capture file big enough for one. A guess: a worker started
 * for nothing is dropped, and one not started is started when needed.
 */
export function prestartSummaryWorker(args: readonly string[]): void {
  if (ready !== null || !summaryWorkerAvailable()) return;
  if (!args.some((a) => !a.startsWith("-") && bigEnoughForThreads(a))) return;
  ready = startWorker();
  ready.unref();
}

/** A started worker for a job (posted to it as its first message). */
export function summaryWorker(job: unknown): Worker {
  const worker = ready ?? startWorker();
  ready = null;
  worker.ref();
  worker.postMessage(job);
  return worker;
}
