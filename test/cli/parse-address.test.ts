import { Command, InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/errors.js";
import { addressOption, hostOption, parseHost, parseHostPort, resolveHosts, resolveIPv4 } from "../../src/cli/parse-address.js";

const server = parseHostPort({ host: "127.0.0.1", port: 1313 });
const listen = parseHostPort({ host: "127.0.0.1", port: 1414, anyPort: true });

describe("parseHostPort: one address syntax for every command", () => {
  it.each([
    ["127.0.0.1:1414", { ip: "127.0.0.1", port: 1414 }],
    ["localhost:1414", { ip: "localhost", port: 1414 }],
    ["localhost", { ip: "localhost", port: 1313 }],
    ["imp.example.org", { ip: "imp.example.org", port: 1313 }],
    ["10.0.0.7", { ip: "10.0.0.7", port: 1313 }],
    [":4000", { ip: "127.0.0.1", port: 4000 }],
    ["4000", { ip: "127.0.0.1", port: 4000 }],
  ])("%s", (text, address) => {
    expect(server(text)).toEqual(address);
  });

  it("takes port 0 only for an address to listen on", () => {
    expect(listen("127.0.0.1:0")).toEqual({ ip: "127.0.0.1", port: 0 });
    expect(() => server("127.0.0.1:0")).toThrow("the port must be a whole number from 1 to 65535");
  });

  it.each([
    ["a:b:c", "expected HOST:PORT, HOST or PORT (an IPv4 address or a host name)"],
    ["", "expected HOST:PORT, HOST or PORT (an IPv4 address or a host name)"],
    ["host:99999", "the port must be a whole number from 1 to 65535"],
    ["host:", "the port must be a whole number from 1 to 65535"],
    ["host:x", "the port must be a whole number from 1 to 65535"],
    ["256.1.1.1:1313", "256.1.1.1 is not an IPv4 address"],
    ["1.2.3:1313", "1.2.3 is not an IPv4 address"],
    ["bad..host", '"bad..host" is neither an IPv4 address nor a host name'],
    ["under_score", '"under_score" is neither an IPv4 address nor a host name'],
  ])("refuses %j", (text, message) => {
    expect(() => server(text)).toThrow(InvalidArgumentError);
    expect(() => server(text)).toThrow(message);
  });

  it("refuses IPv6 (the server listens on IPv4) with a sentence that says so", () => {
    expect(() => parseHost("::1")).toThrow("::1: IPv6 is not used by IMP; give an IPv4 address or a host name");
    expect(() => parseHost("[::1]")).toThrow(/IPv6/);
  });
});

describe("resolveIPv4", () => {
  it("keeps an IPv4 address, resolves localhost to 127.0.0.1", async () => {
    expect(await resolveIPv4("10.1.2.3", "--host")).toBe("10.1.2.3");
    expect(await resolveIPv4("localhost", "--host")).toBe("127.0.0.1");
  });

  it("a name that does not resolve is a CliError (exit 2) that names the option", async () => {
    const e = await resolveIPv4("nowhere.invalid", "--upstream").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    expect((e as CliError).message).toBe('--upstream: cannot resolve host name "nowhere.invalid" to an IPv4 address');
  });
});

describe("resolveHosts (preAction hook)", () => {
  /** A command with an address and a host option; resolves with the options its action saw. */
  async function run(argv: string[]): Promise<Record<string, unknown>> {
    let seen: Record<string, unknown> = {};
    const cmd = new Command("t")
      .exitOverride()
      .addOption(addressOption("--to <host:port>", "peer", { host: "127.0.0.1", port: 1313 }))
      .addOption(hostOption("--bind <host>", "local address"))
      .hook("preAction", resolveHosts)
      .action((opts: Record<string, unknown>) => {
        seen = opts;
      });
    await cmd.parseAsync(argv, { from: "user" });
    return seen;
  }

  it("hands the action IPv4 addresses, whatever was typed", async () => {
    expect(await run(["--to", "localhost:4000", "--bind", "localhost"])).toEqual({
      to: { ip: "127.0.0.1", port: 4000 },
      bind: "127.0.0.1",
    });
    expect(await run([])).toEqual({ to: { ip: "127.0.0.1", port: 1313 } });
  });

  it("stops before the action on a name that does not resolve", async () => {
    await expect(run(["--to", "nowhere.invalid:1"])).rejects.toThrow('--to: cannot resolve host name "nowhere.invalid"');
  });
});
