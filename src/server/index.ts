export { startServer, MAX_DATAGRAM, type ImpServer, type ServerSnapshot } from "./server.js";
export { SERVER_DEFAULTS, seededRandom, type ServerOptions } from "./options.js";
export { DROP_REASONS, totalDropped, type Counters, type DropReason } from "./counters.js";
export { formatCountersText, formatJson, formatText, type LogFormat, type ServerEvent, type ServerLogger } from "./log.js";
export type { DepartureSnapshot, GroupSnapshot, InvitationSnapshot, StateSnapshot, UserSnapshot } from "./state.js";
