/**
 * The ladder of `imp flow` as an SVG picture (HTML reports): the same passes and the same code
 * name the columns (the analyzer's endpoint names, the server first) and label the arrows
 * (`flowLabel`: type column, data text, `[retx]` marks), drawn as lines instead of characters.
 * The SVG is self-contained (no fonts, scripts or links) and escapes every text it shows.
 */
import type { Endpoint } from "../analysis/index.js";
import type { PacketSource } from "../source.js";
import { elide, flowLabel, type FlowEndpoint } from "./flow.js";
import { dissect } from "./pipeline.js";

export interface LadderRow {
  number: number;
  /** Seconds since the first frame. */
  time: number;
  from: string;
  to: string;
  label: string;
  info: string;
  /** A retransmission, or something the analysis flagged. */
  marked: boolean;
}

export interface Ladder {
  endpoints: FlowEndpoint[];
  rows: LadderRow[];
}

const key = (e: Endpoint) => (e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

/** Dissects a capture as `imp flow` does (`open` is called twice: analysis first, rows then), at most `limit` rows. */
export async function ladderOfCapture(open: () => PacketSource, limit = 400): Promise<Ladder> {
  const first = await dissect(open(), { onDamage: "report" }, () => {});
  const analyzer = first.analyzer!;
  const seen = new Map<string, Endpoint>();
  for (const c of analyzer.conversations()) {
    for (const e of [c.src, c.dst]) if (!seen.has(key(e))) seen.set(key(e), { ip: e.ip, port: e.port });
  }
  const endpoints: FlowEndpoint[] = [...seen.entries()].map(([address, ep]) => ({ address, name: analyzer.endpointName(ep) ?? address }));
  endpoints.sort((a, b) => Number(b.name === "server") - Number(a.name === "server"));
  const rows: LadderRow[] = [];
  await dissect(open(), { analyzer, onDamage: "report", count: limit }, (f) => {
    const label = flowLabel(f);
    rows.push({
      number: f.number,
      time: f.time,
      from: key(f.src),
      to: key(f.dst),
      label,
      info: f.info(),
      marked: label.startsWith("[retx]"),
    });
  });
  return { endpoints, rows };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const COLUMN = 150;
const ROW = 22;
const LEFT = 70;
const TOP = 44;

/** The ladder as an SVG element (inline in HTML): one vertical line per endpoint, one arrow per row. */
export function ladderSvg(full: Ladder, maxColumns = 8): string {
  // As `imp flow` does on a narrow terminal: the endpoints that do not fit share one column.
  const l =
    full.endpoints.length <= maxColumns
      ? full
      : {
          ...full,
          endpoints: [
            ...full.endpoints.slice(0, maxColumns - 1),
            { address: "", name: `(${full.endpoints.length - maxColumns + 1} others)` },
          ],
        };
  const index = new Map(l.endpoints.map((e, i) => [e.address, i] as const));
  const column = (address: string) => index.get(address) ?? (l === full ? undefined : maxColumns - 1);
  const x = (i: number) => LEFT + i * COLUMN + COLUMN / 2;
  const width = LEFT + Math.max(2, l.endpoints.length) * COLUMN;
  const height = TOP + l.rows.length * ROW + 12;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
  ];
  l.endpoints.forEach((e, i) => {
    parts.push(`<text x="${x(i)}" y="14" text-anchor="middle" font-weight="bold">${esc(elide(e.name, 20))}</text>`);
    parts.push(`<text x="${x(i)}" y="28" text-anchor="middle" fill="#666">${esc(e.name === e.address ? "" : e.address)}</text>`);
    parts.push(`<line x1="${x(i)}" y1="${TOP - 8}" x2="${x(i)}" y2="${height - 4}" stroke="#bbb"/>`);
  });
  l.rows.forEach((r, n) => {
    const y = TOP + n * ROW + 12;
    const s = column(r.from);
    const d = column(r.to);
    parts.push(`<text x="4" y="${y + 4}" fill="#666">${r.time.toFixed(3)}</text>`);
    if (s === undefined || d === undefined || s === d) return;
    const color = r.marked ? "#b00" : "#333";
    parts.push(
      `<g><title>${esc(`${r.number}: ${r.info}`)}</title><line x1="${x(s)}" y1="${y}" x2="${x(d)}" y2="${y}" stroke="${color}" marker-end="url(#arrow)"/>`,
      `<text x="${(x(s) + x(d)) / 2}" y="${y - 4}" text-anchor="middle" fill="${color}">${esc(elide(r.label, Math.floor((Math.abs(d - s) * COLUMN) / 7)))}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
