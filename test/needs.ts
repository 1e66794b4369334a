/**
 * What a test needs from the machine (tshark, tcpdump, dumpcap, tmux, libpcap through cap, root):
 * in CI (CI=true), where .ci/run installs all of it and runs as root, something missing is a
 * failure that says what is missing; elsewhere the test is skipped with that reason, and the
 * reporter of test/reporters/skips-fail-in-ci.ts lists it.
 */
export const inCI = process.env.CI === "true";

const HINT = "(.ci/run installs tshark, tcpdump, dumpcap, tmux and libpcap-dev, and runs as root)";

/** Inside a test: nothing when `missing` is null; else fails it in CI, skips it with the reason elsewhere. */
export function skipOrFail(ctx: { skip: (note?: string) => never }, missing: string | null): void {
  if (missing === null) return;
  if (inCI) throw new Error(`CI=true but ${missing} ${HINT}`);
  ctx.skip(missing);
}

/**
 * For `describe.skipIf` at collection: null when nothing is missing; else, in CI, throws (the
 * file fails, saying what is missing), and elsewhere returns the reason to skip.
 */
export function suiteSkipReason(missing: string | null): string | null {
  if (missing !== null && inCI) throw new Error(`CI=true but ${missing} ${HINT}`);
  return missing;
}

/** A suite's name, with the reason when it is skipped (the reporter shows it). */
export function suiteName(name: string, skipReason: string | null): string {
  return skipReason === null ? name : `${name} (skipped: ${skipReason})`;
}
