/** The server suite: every case, in section order. */
import { compareIds, type ServerCase } from "../case.js";
import { ARQ_CASES } from "./arq.js";
import { CONNECTION_CASES } from "./connection.js";
import { GROUP_CASES } from "./groups.js";
import { RECEIVER_CASES } from "./receiver.js";
import { ROBUSTNESS_CASES } from "./robustness.js";
import { UPDATE_CASES } from "./updates.js";

export const SERVER_CASES: readonly ServerCase[] = [
  ...CONNECTION_CASES,
  ...RECEIVER_CASES,
  ...GROUP_CASES,
  ...UPDATE_CASES,
  ...ARQ_CASES,
  ...ROBUSTNESS_CASES,
].sort((a, b) => compareIds(a.id, b.id));
