export {
  ClientError,
  ConnectError,
  DEFAULT_INVITE_TIMEOUT_MS,
  ImpClient,
  MAX_TEXT_BYTES,
  connectClient,
  modeBit,
  modeOf,
  type ClientOptions,
  type ClientState,
  type ConnectFailure,
} from "./client.js";
export { Channel, type Outcome } from "./channel.js";
export { TypedEmitter, type ClientEvents, type GroupMode, type Invitation } from "./events.js";
export { Roster, type RosterChange, type RosterEntry } from "./roster.js";
export { HELP, rosterLine, runRepl, type ReplOptions } from "./chat-repl.js";
