/**
 * The time column of a summary line in the formats of tshark's `-t`: relative to the first
 * packet (r, the default), absolute local time of day with or without the date (a, ad, adoy),
 * the same in UTC (u, ud, udoy), seconds since the epoch (e), and the delta since the previous
 * packet read (d) or shown (dd). Every format has 6 decimals (microseconds), as `-t r` in impkit.
 */

export const TIME_FORMATS = ["r", "a", "ad", "adoy", "d", "dd", "e", "u", "ud", "udoy"] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

/** The timestamps one time column may need: the frame's, the first packet's, the previous ones'. */
export interface FrameTimes {
  tsSec: number;
  tsNsec: number;
  /** First packet of the capture. */
  refSec: number;
  refNsec: number;
  /** Packet read just before this frame's packet (the frame's own when it is the first). */
  prevSec: number;
  prevNsec: number;
  /** Frame shown just before this one (the frame's own when it is the first shown). */
  shownSec: number;
  shownNsec: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Microseconds of the nanoseconds, rounded, and the carry into the seconds. */
function micros(sec: number, nsec: number): { sec: number; us: number } {
  let us = Math.round(nsec / 1000);
  if (us >= 1_000_000) {
    us -= 1_000_000;
    sec += 1;
  }
  return { sec, us };
}

/** Signed seconds between two timestamps, 6 decimals ("-0.000100" before the reference). */
function difference(sec: number, nsec: number, fromSec: number, fromNsec: number): string {
  let us = (sec - fromSec) * 1_000_000 + Math.round((nsec - fromNsec) / 1000);
  const sign = us < 0 ? "-" : "";
  if (us < 0) us = -us;
  const whole = Math.floor(us / 1_000_000);
  return `${sign}${whole}.${pad(us - whole * 1_000_000, 6)}`;
}

function dayOfYear(d: Date, utc: boolean): number {
  const start = utc ? Date.UTC(d.getUTCFullYear(), 0, 1) : new Date(d.getFullYear(), 0, 1).getTime();
  const today = utc
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((today - start) / 86_400_000) + 1;
}

/** Wall-clock time of a timestamp, local (the TZ of the process) or UTC, with the date as asked. */
function wallClock(sec: number, nsec: number, utc: boolean, date: "" | "ymd" | "doy"): string {
  const m = micros(sec, nsec);
  const d = new Date(m.sec * 1000);
  const [y, mo, day, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const time = `${pad(h)}:${pad(mi)}:${pad(s)}.${pad(m.us, 6)}`;
  if (date === "ymd") return `${y}-${pad(mo)}-${pad(day)} ${time}`;
  if (date === "doy") return `${y}/${pad(dayOfYear(d, utc), 3)} ${time}`;
  return time;
}

/** The time column of a frame in `format`. */
export function formatTime(format: TimeFormat, t: FrameTimes): string {
  switch (format) {
    case "r":
      return difference(t.tsSec, t.tsNsec, t.refSec, t.refNsec);
    case "d":
      return difference(t.tsSec, t.tsNsec, t.prevSec, t.prevNsec);
    case "dd":
      return difference(t.tsSec, t.tsNsec, t.shownSec, t.shownNsec);
    case "e": {
      const m = micros(t.tsSec, t.tsNsec);
      return `${m.sec}.${pad(m.us, 6)}`;
    }
    case "a":
      return wallClock(t.tsSec, t.tsNsec, false, "");
    case "ad":
      return wallClock(t.tsSec, t.tsNsec, false, "ymd");
    case "adoy":
      return wallClock(t.tsSec, t.tsNsec, false, "doy");
    case "u":
      return wallClock(t.tsSec, t.tsNsec, true, "");
    case "ud":
      return wallClock(t.tsSec, t.tsNsec, true, "ymd");
    case "udoy":
      return wallClock(t.tsSec, t.tsNsec, true, "doy");
  }
}
