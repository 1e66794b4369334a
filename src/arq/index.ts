export { ManualClock, systemClock, type Clock, type TimerHandle } from "./clock.js";
export { ackBytes, ArqLink, DEFAULT_ARQ, SharedMessage, type ArqOptions, type LinkEvents, type LinkLimits, type Receipt } from "./link.js";
export { messageSize, SendBudget } from "./budget.js";
