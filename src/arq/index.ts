export { ManualClock, systemClock, type Clock, type TimerHandle } from "./clock.js";
export { ArqLink, DEFAULT_ARQ, type ArqOptions, type LinkEvents, type Receipt } from "./link.js";
