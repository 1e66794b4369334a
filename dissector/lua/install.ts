/**
 * Where Wireshark looks for personal Lua plugins, and copying the generated dissector there.
 * Wireshark >= 2.5: `$XDG_CONFIG_HOME/wireshark/plugins` (default `~/.config/wireshark/plugins`)
 * on Linux and macOS, `%APPDATA%\Wireshark\plugins` on Windows.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, win32 } from "node:path";
import { generateLua } from "./generate.js";

export const LUA_FILE_NAME = "imp.lua";

export function personalPluginsDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = homedir(),
): string {
  if (platform === "win32") {
    const appData = env.APPDATA ?? win32.join(home, "AppData", "Roaming");
    return win32.join(appData, "Wireshark", "plugins");
  }
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(home, ".config");
  return join(config, "wireshark", "plugins");
}

export interface InstallResult {
  /** Full path of the file written. */
  path: string;
  bytes: number;
}

/** Writes the generated dissector into `dir` (default: the personal plugins folder), creating it. */
export function installLua(dir: string = personalPluginsDir()): InstallResult {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LUA_FILE_NAME);
  const text = generateLua();
  writeFileSync(path, text);
  return { path, bytes: Buffer.byteLength(text) };
}
