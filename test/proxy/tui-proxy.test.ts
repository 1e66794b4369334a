/**
 * `imp tui --proxy LISTEN --upstream SERVER` in tmux: a client talking to a server through the
 * proxy shows up live in the inspector (no root, no libpcap).
 */
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { connectClient, type ImpClient } from "../../src/client/index.js";
import { startServer, type ImpServer } from "../../src/server/index.js";
import { suiteName, suiteSkipReason } from "../needs.js";
import { hasTmux, TmuxTui } from "../tui/tmux.js";

const noTmux = suiteSkipReason(hasTmux() ? null : "tmux is not installed");

async function freePort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(noTmux !== null)(suiteName("imp tui --proxy", noTmux), () => {
  let tui: TmuxTui | null = null;
  let server: ImpServer | null = null;
  let zoe: ImpClient | null = null;
  afterEach(async () => {
    tui?.kill();
    await zoe?.close();
    await server?.close();
  });

  it("shows the traffic of a client through the proxy live", async () => {
    server = await startServer({ port: 0, rto: 100 });
    const port = await freePort();
    tui = new TmuxTui(TmuxTui.imp(`--proxy 127.0.0.1:${port} --upstream 127.0.0.1:${server.address.port}`));
    const t = tui;
    await t.waitText("LIVE");
    // The proxy is up once the screen is: connect (a few retransmissions cover a slow start).
    zoe = await connectClient({ name: "zoe", server: { ip: "127.0.0.1", port }, rto: 300, retries: 10 });
    await zoe.send("seen through the proxy");
    const s = await t.waitText('"seen through the proxy"');
    expect(s).toContain('Connection Request "zoe"');
    t.keys("q");
    await t.waitText("quit? y = yes");
    t.keys("y");
    await t.waitText("EXITED 0");
  });
});
