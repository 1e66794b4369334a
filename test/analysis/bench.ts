/**
 * Memory and speed of the conversation analysis over a long synthetic capture.
 *
 *   node --expose-gc --import tsx test/analysis/bench.ts [frames] [--worst]
 *
 * With --worst every datagram comes from a new address (a new endpoint and a new conversation
 * per frame), the costliest input for the analyzer's state.
 * Reports bytes per frame held once all frames are in (heap + array buffers, after a full GC,
 * minus the same before), the analyzer's own estimate from its typed columns, and frames per
 * second of add() (the generator's own cost measured apart and subtracted).
 */
import { ConversationAnalyzer, type AnalysisInput } from "../../dissector/analysis/index.js";
import { syntheticCapture } from "./synthetic.js";

const n = Number(process.argv[2] ?? 1_000_000);
const worst = process.argv.includes("--worst");
/** The synthetic capture, or every frame from a new address. */
const source = (): ((f: number) => AnalysisInput) => {
  const next = syntheticCapture();
  if (!worst) return next;
  return (f) => ({ ...next(f), src: { ip: `10.${(f >>> 16) & 255}.${(f >>> 8) & 255}.${f & 255}`, port: 1024 + (f % 60000) } });
};
const gc = (globalThis as { gc?: () => void }).gc;
const held = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** The generator alone, for the baseline: seconds to make n frames. */
const generatorSeconds = (() => {
  const next = source();
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let f = 1; f <= n; f++) sink += next(f).time;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink < 0) console.log(sink);
  return s;
})();

const next = source();
const before = held();
const a = new ConversationAnalyzer();
const t0 = process.hrtime.bigint();
for (let f = 1; f <= n; f++) a.add(next(f));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
a.finish();
const after = held();
const t1 = process.hrtime.bigint();
let fields = 0;
for (let f = 1; f <= Math.min(n, 100_000); f++) fields += a.fieldsOf(f).fields.length;
const viewSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
const st = a.stats();
const est = a.memoryBytes();
const addSeconds = Math.max(1e-9, seconds - generatorSeconds);

console.log(`frames                 ${n}${worst ? " (each from a new address)" : ""}`);
console.log(`add() incl. generator  ${(n / seconds / 1e6).toFixed(2)} M frames/s (${((seconds / n) * 1e9).toFixed(0)} ns/frame)`);
console.log(`add() alone            ${(n / addSeconds / 1e6).toFixed(2)} M frames/s (${((addSeconds / n) * 1e9).toFixed(0)} ns/frame)`);
console.log(`fieldsOf() final view  ${(Math.min(n, 100_000) / viewSeconds / 1e3).toFixed(0)} k frames/s (${fields} fields)`);
console.log(
  `held after finish()    ${gc ? `${((after - before) / n).toFixed(1)} bytes/frame (heap + array buffers, after GC)` : "run with --expose-gc to measure"}`,
);
console.log(`estimate (columns)     ${(est.columns / n).toFixed(1)} bytes/frame; state ${(est.state / 1024).toFixed(1)} KiB`);
console.log(`peak RSS               ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
console.log(
  `stats                  messages ${st.messages}, acks ${st.acks}, retransmissions ${st.retransmissions}, stale ${st.staleAcks}, unacked ${st.unacked}, internal errors ${a.internalErrors}`,
);
