/**
 * Writes the live-capture fixtures of test/fixtures/capture/ (run as root with tcpdump and
 * dumpcap installed):   npx tsx test/capture/make-fixtures.ts
 */
import { join } from "node:path";
import { captureLive, LIVE_TOOLS } from "./live-capture.js";

const dir = new URL("../fixtures/capture/", import.meta.url).pathname;
for (const tool of LIVE_TOOLS) {
  await captureLive(tool, join(dir, tool.file));
  console.log(`wrote ${tool.file}`);
}
