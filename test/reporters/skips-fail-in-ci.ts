/**
 * A vitest reporter, beside the default one in vitest.config.ts and vitest.reliability.config.ts:
 * every skipped or todo test is listed by name, with the reason given to `ctx.skip(reason)`.
 * With CI=true the run then fails (exit code 1), whatever the reason: a missing tool, a setup
 * that could not find what it needs, a forgotten `.skip`, a `.todo`, an `.only` elsewhere.
 * CI's machine has everything the suite needs, so a test that did not run there is a test
 * nobody ran.
 */
import { relative } from "node:path";
import type { Reporter, TestCase, TestModule, Vitest } from "vitest/node";

/** `file > suite > test`, with the mode or the note. */
function describeSkip(test: TestCase, root: string): string {
  const result = test.result();
  const why =
    result.state === "skipped" && result.note
      ? result.note
      : test.options.mode === "todo"
        ? "todo"
        : test.options.mode === "skip"
          ? "skip"
          : result.state;
  return `${relative(root, test.module.moduleId)} > ${test.fullName} (${why})`;
}

export class SkipsFailInCi implements Reporter {
  private root = process.cwd();
  private log: (text: string) => void = (text) => process.stderr.write(`${text}\n`);

  constructor(private readonly inCI = process.env.CI === "true") {}

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.log = (text) => vitest.logger.error(text);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "skipped" || state === "pending") skipped.push(describeSkip(test, this.root));
      }
    }
    if (skipped.length === 0) return;
    const heading = this.inCI
      ? `CI=true: ${skipped.length} test(s) did not run, and in CI a test that does not run is a failure:`
      : `${skipped.length} test(s) skipped (with CI=true this run would fail):`;
    this.log([heading, ...skipped.map((s) => `  ${s}`)].join("\n"));
    if (this.inCI) process.exitCode = 1;
  }
}
