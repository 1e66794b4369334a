/** One line per proxy event, for stderr (`imp proxy`); null for events not worth a line. */
import { messageSpec } from "../protocol/messages.js";
import type { ProxyEvent } from "./proxy.js";

export function formatProxyEvent(e: ProxyEvent, verbose = false): string | null {
  const at = (a: { ip: string; port: number }) => `${a.ip}:${a.port}`;
  switch (e.event) {
    case "listening":
      return `proxy: listening on ${at(e.listen)}, upstream ${at(e.upstream)}`;
    case "client":
      return `proxy: client ${at(e.client)} via ${at(e.via)}`;
    case "identified":
      return verbose || e.id !== undefined
        ? `proxy: ${at(e.client)} is ${e.name ?? "?"}${e.id !== undefined ? ` (id ${e.id})` : ""}`
        : null;
    case "expired":
      return `proxy: ${e.name ?? at(e.client)} idle, upstream socket closed`;
    case "decentralized":
      return (
        `proxy: note: group ${e.group} is decentralized: its Data Messages go directly between the clients, ` +
        "out of the proxy's path (user lists carry the clients' real addresses), so they are neither shown, recorded nor faulted here"
      );
    case "fault":
      return verbose
        ? `proxy: ${e.dir} ${messageSpec(e.type)?.name ?? `type ${e.type}`} ${e.name ?? at(e.client)}: ${e.applied.join(", ")}`
        : null;
  }
}
