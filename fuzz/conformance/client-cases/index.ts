/** The client suite: every case, in section order. */
import { compareIds } from "../case.js";
import type { ClientCase } from "../client-context.js";
import { ARQ_CASES } from "./arq.js";
import { CONNECTION_CASES } from "./connection.js";
import { GROUP_CASES } from "./groups.js";
import { ROBUSTNESS_CASES } from "./robustness.js";

export const CLIENT_CASES: readonly ClientCase[] = [...CONNECTION_CASES, ...GROUP_CASES, ...ARQ_CASES, ...ROBUSTNESS_CASES].sort((a, b) =>
  compareIds(a.id, b.id),
);
