/**
 * impkit's fuzzer (imp fuzz): boofuzz's four concerns kept apart.
 *
 * - what to send: mutators/ (values.ts: interesting values derived from the spec table;
 *   template.ts: well-formed messages from the table; mutations.ts: mutation records and how
 *   they are applied);
 * - in what order: session/ (states.ts: the state graph; session.ts: runs a case, keeps
 *   stop-and-wait in step; peer.ts: one fuzz client; probe.ts: the liveness probe);
 * - how to deliver it: targets/ (target.ts: the interface; bundled-server.ts, bundled-client.ts,
 *   remote.ts; udp-target.ts: sockets, child process, debug channel; *-entry.ts: the bundled
 *   targets started for fuzzing);
 * - how to notice failure: oracles/ (crash, hang, conformance, state, resources);
 * - campaign/: generation, minimisation, saving (case JSON + pcap), reports.
 */
export type { Finding, FuzzCase, OracleName, Role, SavedCase, Step } from "./case.js";
export { Rng } from "./rng.js";
export { build, describeMutation, randomMutations, type Mutation, type MutationKind } from "./mutators/mutations.js";
export { interestingValues, headerLengthValues, USERNAME_CASES } from "./mutators/values.js";
export { templateFor, type Template } from "./mutators/template.js";
export { STATES } from "./session/states.js";
export { FuzzSession, livenessProbe } from "./session/session.js";
export type { Target, Datagram, DebugState } from "./targets/target.js";
export { BundledServerTarget, type BundledServerOptions } from "./targets/bundled-server.js";
export { RemoteTarget, parseTargetUrl, type RemoteOptions } from "./targets/remote.js";
export { runCampaign, runJobs, replayCase, type CampaignOptions, type CampaignResult, type FoundFinding } from "./campaign/campaign.js";
export { availableStates, generateCase } from "./campaign/generate.js";
export { minimise } from "./campaign/minimise.js";
export { loadCase, saveFinding } from "./campaign/save.js";
export { describeCase, reportMarkdown, writeReport } from "./campaign/report.js";
