/** Option parsers shared by commands: each throws CliError with a sentence that names the option. */
import { InvalidArgumentError, Option } from "commander";

export function parseIntInRange(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function parseChoice<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(", ")}`);
    }
    return value as T;
  };
}

/** Hex with optional spaces, colons or a 0x prefix; null when it is not hex. */
export function parseHex(text: string): Buffer | null {
  const clean = text.trim().replace(/^0x/i, "").replace(/[\s:.-]/g, "");
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(clean)) return null;
  return Buffer.from(clean, "hex");
}

/** `-T text|json`, as imp stats and imp chat take it. */
export function textOrJsonOption(what: string): Option {
  return new Option("-T, --output-format <format>", `${what} or json`)
    .argParser((v: string) => {
      if (v === "text" || v === "json") return v;
      throw new InvalidArgumentError("-T must be text or json");
    })
    .default("text");
}
