import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import {
  DURATIONS,
  durationOption,
  formatDuration,
  isDurationOption,
  parseDuration,
  retriesOption,
  type DurationQuantity,
} from "../../src/cli/parse-options.js";

/** The message parseDuration throws for `text`, or null when it parses. */
function refusal(text: string, q: DurationQuantity = DURATIONS.rto, bounds = {}): string | null {
  try {
    parseDuration(text, q, bounds);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return (e as Error).message;
  }
}

describe("parseDuration: one parser for every duration, milliseconds out", () => {
  it.each([
    ["500", DURATIONS.rto, 500],
    ["500ms", DURATIONS.rto, 500],
    ["0.5s", DURATIONS.rto, 500],
    [".5s", DURATIONS.rto, 500],
    ["1.5s", DURATIONS.rto, 1500],
    [" 250 ms ", DURATIONS.rto, 250],
    ["10", DURATIONS.rto, 10],
    ["5ms", DURATIONS.rto, 5], // explicit: a suffix is taken at its word
    ["1m", DURATIONS.rto, 60_000],
    ["15", DURATIONS.inviteTimeout, 15_000],
    ["15s", DURATIONS.inviteTimeout, 15_000],
    ["15000ms", DURATIONS.inviteTimeout, 15_000],
    ["2m", DURATIONS.inviteTimeout, 120_000],
    ["0.3", DURATIONS.duration, 300],
    ["1h", DURATIONS.duration, 3_600_000],
    ["50", DURATIONS.waitTimeout, 50],
    ["0", DURATIONS.pace, 0],
    ["1000", DURATIONS.hang, 1000],
  ] as const)("%s as %s is %d ms", (text, q, ms) => {
    expect(parseDuration(text, q)).toBe(ms);
  });

  it("refuses a bare RTO that reads as seconds (imp read took seconds), naming the spelling meant", () => {
    expect(refusal("0.5")).toBe("a bare number is milliseconds: write 0.5s if seconds are meant (from 1ms to 1m)");
    expect(refusal("2")).toContain("write 2s");
    expect(refusal("9.9")).toContain("write 9.9s");
  });

  it("refuses a bare invitation time-out that reads as milliseconds (imp client took ms)", () => {
    expect(refusal("15000", DURATIONS.inviteTimeout)).toBe(
      "a bare number is seconds: write 15000ms if milliseconds are meant (from 1ms to 10m)",
    );
    expect(refusal("601", DURATIONS.inviteTimeout)).toContain("write 601ms");
  });

  it("refuses what is out of bounds, and what is no duration", () => {
    expect(refusal("0")).toBe("must be from 1ms to 1m");
    expect(refusal("61s")).toBe("must be from 1ms to 1m");
    expect(refusal("0", DURATIONS.inviteTimeout)).toBe("must be from 1ms to 10m");
    expect(refusal("5ms", DURATIONS.hang)).toBe("must be from 10ms to 10m");
    for (const bad of ["", "abc", "-5", "5x", "5 s s", "1e3", "0x10", "5sec", "ms"]) {
      expect(refusal(bad), bad).toBe("expected a number of milliseconds, or one with a unit (500ms, 0.5s, 2m)");
    }
  });

  it("takes a command's own bounds: the client's invitations may never expire (0)", () => {
    expect(parseDuration("0", DURATIONS.inviteTimeout, { min: 0 })).toBe(0);
    expect(refusal("0", DURATIONS.inviteTimeout)).not.toBeNull();
  });
});

describe("formatDuration", () => {
  it.each([
    [500, "500ms"],
    [1000, "1s"],
    [15_000, "15s"],
    [1500, "1500ms"],
    [60_000, "1m"],
    [90_000, "90s"],
    [3_600_000, "1h"],
    [0, "0ms"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("durationOption", () => {
  it("names the unit of a bare number in its placeholder and shows its default with a unit", () => {
    const rto = durationOption(DURATIONS.rto, "retransmission timeout");
    expect(rto.flags).toBe("--rto <ms>");
    expect(rto.defaultValue).toBe(500); // WIRE.md's value, in milliseconds
    expect(rto.defaultValueDescription).toBe("500ms");
    expect(isDurationOption(rto)).toBe(true);
    const invite = durationOption(DURATIONS.inviteTimeout, "invitation time-out");
    expect(invite.flags).toBe("--invite-timeout <seconds>");
    expect(invite.defaultValueDescription).toBe("15s");
    expect(durationOption(DURATIONS.duration, "run length", { short: "-d" }).flags).toBe("-d, --duration <seconds>");
    expect(durationOption(DURATIONS.duration, "run length").defaultValue).toBeUndefined();
    expect(durationOption(DURATIONS.rto, "rto", { default: null }).defaultValue).toBeUndefined();
  });

  it("parses through parseDuration", () => {
    const o = durationOption(DURATIONS.rto, "retransmission timeout");
    expect(o.parseArg!("0.25s", undefined)).toBe(250);
    expect(() => o.parseArg!("0.25", undefined)).toThrow(/write 0\.25s/);
  });
});

describe("retriesOption", () => {
  it("is --retries <n>, 0 to 255, default 5 (WIRE.md) in every command", () => {
    const o = retriesOption("retransmissions");
    expect(o.flags).toBe("--retries <n>");
    expect(o.defaultValue).toBe(5);
    expect(o.parseArg!("0", undefined)).toBe(0);
    expect(o.parseArg!("255", undefined)).toBe(255);
    expect(() => o.parseArg!("256", undefined)).toThrow(InvalidArgumentError);
    expect(() => o.parseArg!("-1", undefined)).toThrow(InvalidArgumentError);
  });
});
