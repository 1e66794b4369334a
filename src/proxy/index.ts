/**
 * The IMP proxy (`imp proxy`): relays IMP between clients and a server, one upstream socket per
 * client (the server sees distinct addresses), shows the traffic live through the read pipeline,
 * writes it as pcapng, and injects seeded faults per direction. No privileges needed: the way to
 * watch IMP live without root.
 *
 *   const proxy = await startProxy({ listen: { ip: "127.0.0.1", port: 1414 }, upstream: { ip: "127.0.0.1", port: 1313 },
 *                                    faults, onDatagram: feed.push, log });
 *   proxy.address; proxy.stats; proxy.clients(); proxy.faults.set({ c2s: {...} }); await proxy.close();
 *
 * Layout: proxy.ts (sockets, sessions, list rewriting), faults.ts (fault options, parsing,
 * seeded decisions), source.ts (delivered datagrams as a live PacketSource and a pcapng file).
 *
 * Decision: list entries (User List Response, Update List) are rewritten to the clients' real
 * addresses, so decentralized groups talk directly, out of the proxy's path (it says so once).
 */
export {
  startProxy,
  type DirectionStats,
  type ImpProxy,
  type ProxiedDatagram,
  type ProxyEvent,
  type ProxyOptions,
  type ProxyStats,
} from "./proxy.js";
export {
  DIRECTIONS,
  FaultEngine,
  FaultSyntaxError,
  NO_FAULTS,
  describeFaults,
  emptyFaults,
  hasFaults,
  parseBlackhole,
  parseDelayOption,
  parseProbabilityOption,
  parseRules,
  type Blackhole,
  type DirectionFaults,
  type FaultDecision,
  type FaultRule,
  type FaultSpec,
  type FaultTarget,
  type ProxyDirection,
  type RuleAction,
} from "./faults.js";
export { proxyFeed, proxySource, type ProxyFeed, type ProxyFeedOptions, type ProxySourceOptions } from "./source.js";
export { formatProxyEvent } from "./log.js";
