/**
 * `imp lua`: the Wireshark Lua dissector generated from the spec table, to stdout, to a file
 * (-o) or into Wireshark's personal plugins folder (--install).
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { generateLua, installLua, personalPluginsDir } from "../../../dissector/lua/index.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";

export interface LuaOptions {
  output?: string;
  install?: boolean;
  pluginsDir?: string;
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  // Node's message already starts with the code ("ENOENT: no such file or directory, open ..."): once is enough.
  return err.code ? `${err.code}: ${err.message.replace(`${err.code}: `, "")}` : String(e);
}

export function luaCommand(io: CliIo): Command {
  return new Command("lua")
    .description("write the Wireshark Lua dissector for IMP, generated from impkit's spec table (stdout by default)")
    .option("-o, --output <file>", "write the dissector to this file instead of stdout")
    .option("--install", "copy the dissector into Wireshark's personal Lua plugins folder and say where")
    .option("--plugins-dir <dir>", "plugins folder for --install (default: the personal plugins folder of this system)")
    .action((opts: LuaOptions) => {
      if (opts.install && opts.output !== undefined) throw new CliError("give either --install or -o, not both");
      if (opts.pluginsDir !== undefined && !opts.install) throw new CliError("--plugins-dir only goes with --install");
      if (opts.install) {
        const dir = opts.pluginsDir ?? personalPluginsDir();
        let result;
        try {
          result = installLua(dir);
        } catch (e) {
          throw new CliError(`cannot install into ${dir} (${reason(e)})`);
        }
        io.out(`installed ${result.path} (${result.bytes} bytes); restart Wireshark or reload Lua plugins (Ctrl+Shift+L)\n`);
        return;
      }
      const text = generateLua();
      if (opts.output === undefined) {
        io.out(text);
        return;
      }
      try {
        writeFileSync(opts.output, text);
      } catch (e) {
        throw new CliError(`cannot write ${opts.output} (${reason(e)})`);
      }
    });
}
