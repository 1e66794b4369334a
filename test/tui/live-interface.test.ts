/**
 * Live mode through libpcap (`imp tui -i lo`, imp sniff's back end): a reference session on a
 * free port shows in the TUI as it happens. Needs tmux, the cap module and root (or
 * CAP_NET_RAW); skipped with the reason otherwise, except in CI where they are required.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadCap } from "../../dissector/live/index.js";
import { DEFAULT_SETTINGS, ScenarioContext } from "../../src/scenario/index.js";
import { suiteName, suiteSkipReason } from "../needs.js";
import { hasTmux, TmuxTui } from "./tmux.js";

/** What this machine lacks for the test, or null. */
async function liveProblem(): Promise<string | null> {
  if (!hasTmux()) return "tmux is not installed";
  if (process.getuid?.() !== 0) return "live capture needs root";
  try {
    await loadCap();
  } catch (e) {
    return `libpcap support is not available: ${e instanceof Error ? e.message : String(e)}`;
  }
  return null;
}

const problem = suiteSkipReason(await liveProblem());

describe.skipIf(problem !== null)(suiteName("imp tui -i lo", problem), () => {
  let tui: TmuxTui | null = null;
  let ctx: ScenarioContext | null = null;
  afterEach(async () => {
    tui?.kill();
    await ctx?.close().catch(() => undefined);
  });

  it("shows a reference session's packets as they happen", async () => {
    ctx = new ScenarioContext({ ...DEFAULT_SETTINGS, port: 0, rto: 200 });
    await ctx.startServer();
    const port = ctx.server.address.port;
    tui = new TmuxTui(TmuxTui.imp(`-i lo -f 'udp port ${port}' --port ${port}`));
    const t = tui;
    await t.waitText("capturing on lo");
    await ctx.connect("alice");
    await t.waitFor((x) => x.includes('Connection Request "alice"') && x.includes("LIVE"), "alice's connection, live");
    expect(t.screen()).not.toContain("bob");
    await ctx.connect("bob");
    await ctx.client("bob").send("captured live");
    await ctx.settle();
    const s = await t.waitText('"captured live"');
    expect(s).toMatch(/Displayed: (\d+) \/ Total: \1 \| LIVE/);
    t.keys("q");
    await t.waitText("quit? y = yes");
    t.keys("y");
    await t.waitText("EXITED 0");
  });
});
