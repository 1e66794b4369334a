/**
 * `npm run soak` (not in CI): 64 clients in 8 centralized groups of 8 chat through the proxy with
 * faults on (10% loss, 2% duplication, 2±2 ms jitter, 1% reordering, each way) for 10 minutes,
 * each client sending `--rate` messages per second. Every second: messages delivered, server
 * datagrams and retransmissions, process RSS and heap, the server's queued messages. At the end:
 * every message checked (delivered exactly once, in order per sender, to every member), and a
 * report in bench/out/: markdown with a summary and per-minute rows, and an SVG plot of memory
 * and messages/s over time.
 *
 *   npm run soak                      10 minutes
 *   npm run soak -- --minutes 1       shorter
 *   options: --clients 64 --rate 2 --rto 100 --retries 10 --seed 1 --out bench/out
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectClient, type ImpClient } from "../src/client/index.js";
import { emptyFaults, parseDelayOption, parseProbabilityOption, startProxy, describeFaults } from "../src/proxy/index.js";
import { startServer } from "../src/server/index.js";

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const outIndex = args.indexOf("--out");
const OUT = outIndex >= 0 ? args[outIndex + 1]! : "bench/out";

interface Sample {
  t: number;
  deliveredPerSec: number;
  sentPerSec: number;
  serverDatagramsPerSec: number;
  retransmissionsPerSec: number;
  rssMiB: number;
  heapMiB: number;
  queued: number;
}

export interface SoakResult {
  samples: Sample[];
  sent: number;
  delivered: number;
  expected: number;
  outOfOrder: number;
  duplicates: number;
  forcedDisconnections: number;
  retransmissionRate: number;
  report: string;
  plot: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function soak(o: {
  minutes: number;
  clients: number;
  rate: number;
  rto: number;
  retries: number;
  seed: number;
  out: string;
}): Promise<SoakResult> {
  const groupSize = 8;
  const server = await startServer({ port: 0, rto: o.rto, retries: o.retries });
  const faults = emptyFaults(o.seed);
  parseProbabilityOption(faults, "loss", "0.1");
  parseProbabilityOption(faults, "dup", "0.02");
  parseProbabilityOption(faults, "reorder", "0.01");
  parseDelayOption(faults, "2±2");
  const proxy = await startProxy({ listen: { ip: "127.0.0.1", port: 0 }, upstream: server.address, faults });
  console.log(
    `soak: ${o.clients} clients, ${o.minutes} min, ${o.rate} msg/s each, RTO ${o.rto} ms, ${o.retries} retries; faults: ${describeFaults(faults)}`,
  );

  const names = Array.from({ length: o.clients }, (_, i) => `s${String(i).padStart(3, "0")}`);
  const clients: ImpClient[] = [];
  for (let i = 0; i < names.length; i += 16)
    clients.push(
      ...(await Promise.all(
        names
          .slice(i, i + 16)
          .map((name) => connectClient({ name, server: proxy.address, rto: o.rto, retries: o.retries, inviteTimeoutMs: 0 })),
      )),
    );
  for (const c of clients) c.on("invitation", () => void c.accept());
  const groups = Math.floor(o.clients / groupSize);
  for (let g = 0; g < groups; g++) {
    const leader = clients[g * groupSize]!;
    while (leader.roster.all().length < o.clients) await sleep(20);
    const created = leader.next("groupCreated");
    await leader.createGroup({ mode: "centralized", invitees: clients.slice(g * groupSize + 1, (g + 1) * groupSize).map((c) => c.id) });
    await created;
  }
  while (!clients.every((c) => c.group === 1 || c.members().length === groupSize - 1)) await sleep(50);
  console.log(`soak: ${groups} groups of ${groupSize} formed`);

  // Delivery bookkeeping: next expected number per (receiver, sender).
  const nextFrom = new Map<ImpClient, Map<number, number>>();
  let delivered = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  for (const c of clients) {
    const per = new Map<number, number>();
    nextFrom.set(c, per);
    c.on("message", (m) => {
      delivered++;
      const n = Number(m.text.slice(m.text.indexOf("#") + 1));
      const want = per.get(m.from) ?? 0;
      if (n === want) per.set(m.from, want + 1);
      else if (n < want) duplicates++;
      else {
        outOfOrder++;
        per.set(m.from, n + 1);
      }
    });
  }

  let sent = 0;
  let running = true;
  const senders = clients.map(async (c) => {
    const period = 1000 / o.rate;
    let i = 0;
    let next = performance.now() + Math.random() * period;
    while (running) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (!running) break;
      next += period;
      sent++;
      await c.send(`${c.name}#${i++}`);
    }
  });

  const samples: Sample[] = [];
  const t0 = performance.now();
  let last = { t: t0, delivered: 0, sent: 0, server: server.counters };
  const end = t0 + o.minutes * 60_000;
  while (performance.now() < end) {
    await sleep(1000);
    const now = performance.now();
    const counters = server.counters;
    const dt = (now - last.t) / 1000;
    const mem = process.memoryUsage();
    const queued = server.snapshot().users.reduce((n, u) => n + u.queued, 0);
    samples.push({
      t: (now - t0) / 1000,
      deliveredPerSec: (delivered - last.delivered) / dt,
      sentPerSec: (sent - last.sent) / dt,
      serverDatagramsPerSec: (counters.received - last.server.received + counters.sent - last.server.sent) / dt,
      retransmissionsPerSec: (counters.retransmissions - last.server.retransmissions) / dt,
      rssMiB: mem.rss / 2 ** 20,
      heapMiB: mem.heapUsed / 2 ** 20,
      queued,
    });
    last = { t: now, delivered, sent, server: counters };
    if (samples.length % 30 === 0) {
      const s = samples[samples.length - 1]!;
      console.log(
        `soak: ${s.t.toFixed(0)} s, ${s.deliveredPerSec.toFixed(0)} deliveries/s, RSS ${s.rssMiB.toFixed(0)} MiB, heap ${s.heapMiB.toFixed(0)} MiB, queued ${s.queued}`,
      );
    }
  }
  running = false;
  await Promise.all(senders);
  await Promise.all(clients.map((c) => c.idle()));
  await sleep(4 * o.rto);
  const counters = server.counters;
  const expected = sent * (groupSize - 1);
  const firstTransmissions = counters.sent - counters.retransmissions;
  const retransmissionRate = counters.retransmissions / Math.max(1, firstTransmissions);
  await Promise.all(clients.map((c) => c.disconnect()));
  const ps = proxy.stats;
  await proxy.close();
  await server.close();

  const plot = svgPlot(samples);
  const total = (performance.now() - t0) / 1000;
  const mean = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0) / Math.max(1, samples.length);
  const rows: string[] = [];
  for (let m = 0; m * 60 < samples.length; m++) {
    const part = samples.slice(m * 60, (m + 1) * 60);
    const avg = (f: (s: Sample) => number) => part.reduce((n, s) => n + f(s), 0) / part.length;
    const lastOf = part[part.length - 1]!;
    rows.push(
      `| ${m + 1} | ${avg((s) => s.sentPerSec).toFixed(0)} | ${avg((s) => s.deliveredPerSec).toFixed(0)} | ${avg((s) => s.serverDatagramsPerSec).toFixed(0)} | ${avg((s) => s.retransmissionsPerSec).toFixed(0)} | ${lastOf.rssMiB.toFixed(1)} | ${lastOf.heapMiB.toFixed(1)} | ${Math.max(...part.map((s) => s.queued))} |`,
    );
  }
  const report = `# Soak run

${o.clients} clients in ${groups} centralized groups of ${groupSize}, through the proxy, ${o.minutes} min (${total.toFixed(0)} s), ${o.rate} messages/s per client;
RTO ${o.rto} ms, ${o.retries} retransmissions; faults: ${describeFaults(faults)}. Node ${process.version}; server, proxy and clients in one process.

| figure | value |
|---|---|
| messages sent | ${sent} (${(sent / total).toFixed(1)}/s) |
| deliveries (expected ${expected}) | ${delivered} (${mean((s) => s.deliveredPerSec).toFixed(0)}/s on average) |
| out of order / duplicates delivered | ${outOfOrder} / ${duplicates} |
| forced disconnections | ${counters.forcedDisconnections} |
| server datagrams | ${counters.received + counters.sent} (${mean((s) => s.serverDatagramsPerSec).toFixed(0)}/s) |
| server retransmission rate | ${(100 * retransmissionRate).toFixed(2)}% (${counters.retransmissions} of ${firstTransmissions} first transmissions) |
| proxy faults | ${Object.entries(ps.faults)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")} |
| RSS first / last / peak | ${samples[0]?.rssMiB.toFixed(1)} / ${samples[samples.length - 1]?.rssMiB.toFixed(1)} / ${Math.max(...samples.map((s) => s.rssMiB)).toFixed(1)} MiB |
| heap first / last / peak | ${samples[0]?.heapMiB.toFixed(1)} / ${samples[samples.length - 1]?.heapMiB.toFixed(1)} / ${Math.max(...samples.map((s) => s.heapMiB)).toFixed(1)} MiB |

![memory and messages over time](soak.svg)

| minute | sent/s | delivered/s | server datagrams/s | retransmissions/s | RSS MiB (end) | heap MiB (end) | max queued at server |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, "soak.md"), report);
  writeFileSync(join(o.out, "soak.svg"), plot);
  writeFileSync(
    join(o.out, "soak.json"),
    JSON.stringify(
      { options: o, sent, delivered, expected, outOfOrder, duplicates, forced: counters.forcedDisconnections, retransmissionRate, samples },
      null,
      1,
    ),
  );
  return {
    samples,
    sent,
    delivered,
    expected,
    outOfOrder,
    duplicates,
    forcedDisconnections: counters.forcedDisconnections,
    retransmissionRate,
    report,
    plot,
  };
}

/** Two stacked panels: memory (RSS, heap) and messages/s (delivered, sent), against seconds. */
export function svgPlot(samples: Sample[]): string {
  const W = 800;
  const H = 220;
  const pad = { l: 60, r: 150, t: 24, b: 30 };
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const panel = (y0: number, title: string, unit: string, series: { name: string; color: string; v: (s: Sample) => number }[]) => {
    const vMax = Math.max(1, ...samples.flatMap((s) => series.map((x) => x.v(s)))) * 1.1;
    const x = (t: number) => pad.l + ((W - pad.l - pad.r) * t) / tMax;
    const y = (v: number) => y0 + pad.t + (H - pad.t - pad.b) * (1 - v / vMax);
    let out = `<text x="${pad.l}" y="${y0 + 16}" font-size="13" font-weight="bold">${title}</text>`;
    out += `<line x1="${pad.l}" y1="${y(0)}" x2="${W - pad.r}" y2="${y(0)}" stroke="#888"/><line x1="${pad.l}" y1="${y(0)}" x2="${pad.l}" y2="${y(vMax)}" stroke="#888"/>`;
    for (let i = 0; i <= 4; i++) {
      const v = (vMax * i) / 4;
      out += `<text x="${pad.l - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`;
      const t = (tMax * i) / 4;
      out += `<text x="${x(t)}" y="${y(0) + 14}" font-size="10" text-anchor="middle">${t.toFixed(0)} s</text>`;
    }
    out += `<text x="14" y="${y(vMax / 2)}" font-size="10" transform="rotate(-90 14 ${y(vMax / 2)})" text-anchor="middle">${unit}</text>`;
    series.forEach((sr, i) => {
      const pts = samples.map((s) => `${x(s.t).toFixed(1)},${y(sr.v(s)).toFixed(1)}`).join(" ");
      out += `<polyline fill="none" stroke="${sr.color}" stroke-width="1.5" points="${pts}"/>`;
      out += `<rect x="${W - pad.r + 12}" y="${y0 + pad.t + i * 18}" width="12" height="3" fill="${sr.color}"/><text x="${W - pad.r + 30}" y="${y0 + pad.t + i * 18 + 5}" font-size="11">${sr.name}</text>`;
    });
    return out;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${2 * H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${panel(0, "Memory", "MiB", [
  { name: "RSS", color: "#1f77b4", v: (s) => s.rssMiB },
  { name: "heap used", color: "#ff7f0e", v: (s) => s.heapMiB },
])}
${panel(H, "Messages", "per second", [
  { name: "delivered", color: "#2ca02c", v: (s) => s.deliveredPerSec },
  { name: "sent", color: "#d62728", v: (s) => s.sentPerSec },
  { name: "retransmissions", color: "#9467bd", v: (s) => s.retransmissionsPerSec },
])}
</svg>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await soak({
    minutes: option("minutes", 10),
    clients: option("clients", 64),
    rate: option("rate", 2),
    rto: option("rto", 100),
    retries: option("retries", 10),
    seed: option("seed", 1),
    out: OUT,
  });
  console.log(r.report);
  console.log(`soak: report in ${join(OUT, "soak.md")}, plot in ${join(OUT, "soak.svg")}`);
  if (r.delivered !== r.expected || r.outOfOrder > 0 || r.duplicates > 0) process.exitCode = 1;
}
