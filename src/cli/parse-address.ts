/**
 * Addresses on the command line, alike in every command: an IPv4 address or a host name, with or
 * without a port (`127.0.0.1:1313`, `localhost:1313`, `localhost`, `:1414`, `1414`). Host names
 * are resolved to IPv4 (the server listens on IPv4: WIRE.md section 1) once the command line is
 * parsed and before the command runs (the preAction hook resolveHosts); one that does not resolve is a
 * one-line error, exit 2.
 */
import { lookup } from "node:dns/promises";
import { isIPv4 } from "node:net";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Address } from "../transport/transport.js";
import { CliError } from "./errors.js";

/** A host name as RFC 1123 allows it (labels of letters, digits and inner hyphens). */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Checks an IPv4 address or a host name as typed; throws InvalidArgumentError. */
export function checkHost(host: string): string {
  if (isIPv4(host)) return host;
  if (/^[\d.]+$/.test(host)) throw new InvalidArgumentError(`${host} is not an IPv4 address`);
  if (host.includes(":") || host.startsWith("["))
    throw new InvalidArgumentError(`${host}: IPv6 is not used by IMP; give an IPv4 address or a host name`);
  if (!HOST_NAME.test(host)) throw new InvalidArgumentError(`${JSON.stringify(host)} is neither an IPv4 address nor a host name`);
  return host;
}

export interface HostPortDefaults {
  host: string;
  port: number;
  /** Port 0 accepted (an address to listen on: any free port). */
  anyPort?: boolean;
}

/**
 * Parses `HOST:PORT`, `HOST`, `:PORT` or `PORT` (the missing half from `defaults`) into an
 * Address whose `ip` may still be a host name (resolved before the command runs).
 */
export function parseHostPort(defaults: HostPortDefaults): (value: string) => Address {
  return (value) => {
    const text = value.trim();
    const m = /^(?:(?<host>[^:]*):(?<port>[^:]*)|(?<only>[^:]*))$/.exec(text);
    if (!m?.groups || text === "") throw new InvalidArgumentError("expected HOST:PORT, HOST or PORT (an IPv4 address or a host name)");
    const { host, port, only } = m.groups;
    const portText = port ?? (only !== undefined && /^\d+$/.test(only) ? only : undefined);
    const hostText = port !== undefined ? host : portText === undefined ? only : undefined;
    const low = defaults.anyPort ? 0 : 1;
    let n = defaults.port;
    if (portText !== undefined) {
      n = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
      if (!(n >= low && n <= 65535)) throw new InvalidArgumentError(`the port must be a whole number from ${low} to 65535`);
    }
    return { ip: hostText ? checkHost(hostText) : defaults.host, port: n };
  };
}

/** Parses a host alone (an IPv4 address or a host name), as `imp server --host` takes it. */
export function parseHost(value: string): string {
  return checkHost(value.trim());
}

/** The IPv4 address of a host name; CliError (exit 2) when it has none. */
export async function resolveIPv4(host: string, what: string): Promise<string> {
  if (isIPv4(host)) return host;
  // RFC 6761: names under .invalid never resolve; say so without asking a resolver.
  if (!/\.invalid\.?$/i.test(host)) {
    try {
      return (await lookup(host, { family: 4 })).address;
    } catch {
      // reported below
    }
  }
  throw new CliError(`${what}: cannot resolve host name ${JSON.stringify(host)} to an IPv4 address`);
}

type Resolver = (value: unknown, what: string) => Promise<unknown>;
const RESOLVERS = new WeakMap<Option, Resolver>();

const resolveAddress: Resolver = async (value, what) => {
  const a = value as Address;
  return { ...a, ip: await resolveIPv4(a.ip, what) };
};
const resolveHost: Resolver = (value, what) => resolveIPv4(value as string, what);

/**
 * `-s, --server <host:port>` and the like: an Address option, its default shown as text (never
 * as an object), resolved to IPv4 before the action.
 */
export function addressOption(flags: string, description: string, defaults: HostPortDefaults, withDefault = true): Option {
  const option = new Option(flags, description).argParser(parseHostPort(defaults));
  if (withDefault) option.default({ ip: defaults.host, port: defaults.port } satisfies Address, `${defaults.host}:${defaults.port}`);
  return resolvedWith(option, resolveAddress);
}

/** `--host <host>`: an IPv4 address or a host name, resolved to IPv4 before the action. */
export function hostOption(flags: string, description: string, defaultHost?: string): Option {
  const option = new Option(flags, description).argParser(parseHost);
  if (defaultHost !== undefined) option.default(defaultHost, defaultHost);
  return resolvedWith(option, resolveHost);
}

/** Marks an option whose value holds a host, with the function that resolves it. */
export function resolvedWith(option: Option, resolve: (value: unknown, what: string) => Promise<unknown>): Option {
  RESOLVERS.set(option, resolve);
  return option;
}

/** True for an option whose host names are resolved before the action (tests walk the program). */
export function isResolvedHostOption(option: Option): boolean {
  return RESOLVERS.has(option);
}

/**
 * A preAction hook (`cmd.hook("preAction", resolveHosts)`): resolves the host names of the options
 * marked by addressOption, hostOption or resolvedWith before the command's action runs.
 */
export async function resolveHosts(_self: Command, action: Command): Promise<void> {
  for (const option of action.options) {
    const resolve = RESOLVERS.get(option);
    const key = option.attributeName();
    const value: unknown = action.getOptionValue(key);
    if (!resolve || value === undefined) continue;
    action.setOptionValueWithSource(key, await resolve(value, option.long ?? option.flags), action.getOptionValueSource(key) ?? "cli");
  }
}
