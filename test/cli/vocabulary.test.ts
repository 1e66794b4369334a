/**
 * One vocabulary across commands: walks every command of the program (buildProgram) and checks
 * that each duration has one name, one parser and one unit everywhere, that every address option
 * takes host names alike, and that no help shows a default as an object or an empty list.
 */
import type { Command, Option } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "../../src/cli/io.js";
import { isResolvedHostOption } from "../../src/cli/parse-address.js";
import { DURATIONS, isDurationOption } from "../../src/cli/parse-options.js";
import { buildProgram, COMMAND_NAMES, runCli } from "../../src/cli/program.js";

let commands: readonly Command[] = [];
beforeAll(async () => {
  commands = (await buildProgram(bufferIo())).commands;
});

/** Every visible option of every command, with its command's name. */
function options(): { command: string; option: Option }[] {
  return commands.flatMap((c) => c.options.filter((o) => !o.hidden).map((option) => ({ command: c.name(), option })));
}

/** Options that take a time inside a richer value, each with its unit in its own syntax. */
const COMPOSITE_TIMES: Record<string, string> = {
  "--delay": "MS[±J] milliseconds",
  "--blackhole": "T seconds",
  "--autostop": "duration:SECONDS",
};

const QUANTITY_FLAGS = new Map<string, (typeof DURATIONS)[keyof typeof DURATIONS]>(Object.values(DURATIONS).map((q) => [q.flag, q]));

describe("one vocabulary across commands", () => {
  it("walks every command", () => {
    expect(commands.map((c) => c.name())).toEqual(COMMAND_NAMES);
    expect(options().length).toBeGreaterThan(100);
  });

  it("every option that names a duration goes through the one duration parser, with its quantity's name and unit", () => {
    const timeWords = /\b(ms|milliseconds?|seconds?|time-?outs?|duration|rto|pause|hung|wait)\b|<s>/i;
    const seen = new Set<string>();
    for (const { command, option } of options()) {
      const long = option.long ?? "";
      const at = `imp ${command} ${option.flags}`;
      const q = QUANTITY_FLAGS.get(long);
      if (q) {
        seen.add(long);
        expect(isDurationOption(option), at).toBe(true);
        expect(option.flags, at).toMatch(new RegExp(`${long} <${q.unit === "ms" ? "ms" : "seconds"}>$`));
      } else if (long in COMPOSITE_TIMES) {
        expect(option.description, at).toContain(COMPOSITE_TIMES[long]);
      } else {
        expect(isDurationOption(option), at).toBe(false);
        expect(`${option.flags} ${option.description}`, `${at}: a time not parsed as a duration`).not.toMatch(timeWords);
      }
    }
    expect([...seen].sort()).toEqual([...QUANTITY_FLAGS.keys()].sort());
  });

  it("--rto is milliseconds and --invite-timeout seconds in every command; no --invitation-timeout is left", () => {
    const rto = options().filter((o) => o.option.long === "--rto");
    const invite = options().filter((o) => o.option.long === "--invite-timeout");
    expect(rto.map((o) => o.command).sort()).toEqual(["chat", "client", "flow", "proxy", "read", "scenario", "server", "sniff", "stats"]);
    expect(invite.map((o) => o.command).sort()).toEqual(rto.map((o) => o.command).sort());
    for (const { option } of rto) expect(option.flags).toBe("--rto <ms>");
    for (const { option } of invite) expect(option.flags).toBe("--invite-timeout <seconds>");
    for (const { option } of [...rto, ...invite]) expect(option.defaultValue).toBe(option.long === "--rto" ? 500 : 15_000);
    expect(options().filter((o) => /invitation-timeout|<s>|<seconds>.*rto/.test(o.option.flags))).toEqual([]);
    for (const c of commands) expect(c.helpInformation(), c.name()).not.toMatch(/--invitation-timeout|--rto <seconds>/);
  });

  it("--retries is one option: <n>, 0 to 255, default 5", () => {
    const retries = options().filter((o) => o.option.long === "--retries");
    expect(retries.length).toBeGreaterThanOrEqual(9);
    for (const { command, option } of retries) {
      expect(option.flags, command).toBe("--retries <n>");
      expect(option.defaultValue, command).toBe(5);
      expect(() => option.parseArg!("256", undefined), command).toThrow();
      expect(option.parseArg!("255", undefined), command).toBe(255);
    }
  });

  it("every option that takes a host takes an IPv4 address or a host name, resolved to IPv4", () => {
    const hostish = options().filter(({ option }) => /<host(:port)?>|<target>/.test(option.flags));
    expect(hostish.map(({ command, option }) => `${command} ${option.long}`).sort()).toEqual([
      "client --bind",
      "client --server",
      "fuzz --target",
      "proxy --listen",
      "proxy --upstream",
      "server --host",
      "tui --proxy",
      "tui --upstream",
    ]);
    for (const { command, option } of hostish) expect(isResolvedHostOption(option), `${command} ${option.long}`).toBe(true);
  });

  it("no --help shows a default as an object, an empty list or a number in quotes", () => {
    for (const c of commands) {
      const help = c.helpInformation();
      expect(help, c.name()).not.toContain("[object Object]");
      expect(help, c.name()).not.toMatch(/default:\s*\[/);
      expect(help, c.name()).not.toMatch(/default:\s*\{/);
      expect(help, c.name()).not.toMatch(/default:\s*"\d+"/);
    }
  });

  it("imp <command> --help prints it for every command, exit 0", async () => {
    for (const name of COMMAND_NAMES) {
      const io = bufferIo();
      expect(await runCli([name, "--help"], io), name).toBe(0);
      expect(io.stdout(), name).toContain(`Usage: imp ${name}`);
      expect(io.stdout(), name).not.toContain("[object Object]");
    }
  });
});

describe("old spellings never mean something else", () => {
  it.each([
    [["read", "--invitation-timeout", "15"], "--invitation-timeout is now --invite-timeout"],
    [["stats", "--invitation-timeout", "15"], "--invitation-timeout is now --invite-timeout"],
    [["proxy", "--invitation-timeout", "15"], "--invitation-timeout is now --invite-timeout"],
    [["sniff", "--invitation-timeout", "15"], "--invitation-timeout is now --invite-timeout"],
    [["read", "--rto", "0.5"], "write 0.5s if seconds are meant"],
    [["flow", "--rto", "2"], "write 2s if seconds are meant"],
    [["client", "--name", "a", "--invite-timeout", "15000"], "write 15000ms if milliseconds are meant"],
    [["server", "--invite-timeout", "15000"], "write 15000ms if milliseconds are meant"],
  ])("imp %j: exit 2, and says what to write", async (argv, message) => {
    const io = bufferIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.stderr()).toContain(message);
    expect(io.stdout()).toBe("");
  });
});
