/**
 * Live mode through libpcap (`imp tui -i lo`, imp sniff's back end): a reference session on a
 * free port shows in the TUI as it happens. Needs dissector/live, the cap module and root (or
 * CAP_NET_RAW); skipped with the reason otherwise, except in CI where they are required.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, ScenarioContext } from "../../src/scenario/index.js";
import { hasTmux, TmuxTui } from "./tmux.js";

/** Why the test cannot run here, and whether that is the machine's fault (CI must not skip). */
async function liveProblem(): Promise<{ reason: string; environment: boolean } | null> {
  let live: { loadCap(): Promise<unknown> };
  try {
    const specifier = "../../dissector/live/index.js";
    live = (await import(specifier)) as { loadCap(): Promise<unknown> };
  } catch {
    return { reason: "dissector/live is not in this tree", environment: false };
  }
  if (!hasTmux()) return { reason: "tmux is not installed", environment: true };
  if (process.getuid?.() !== 0) return { reason: "live capture needs root", environment: true };
  try {
    await live.loadCap();
  } catch (e) {
    return { reason: `libpcap support is not available: ${e instanceof Error ? e.message : String(e)}`, environment: true };
  }
  return null;
}

const found = await liveProblem();
if (found?.environment && process.env.CI === "true") throw new Error(`the live TUI test cannot run in CI: ${found.reason}`);
const problem = found?.reason ?? null;

describe.skipIf(problem !== null)(`imp tui -i lo${problem ? ` (skipped: ${problem})` : ""}`, () => {
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
