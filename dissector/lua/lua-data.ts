/**
 * Serialises plain data (the spec table, reshaped) as a Lua table constructor. Arrays become
 * 1-based Lua sequences, objects become records (`[n] = ...` for integer keys), strings are
 * quoted with Lua escapes so that any byte survives.
 */

export type LuaValue = string | number | boolean | null | undefined | readonly LuaValue[] | { readonly [key: string]: LuaValue };

const LUA_KEYWORDS = new Set(
  "and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split(" "),
);

/** A Lua string literal: printable ASCII as is, everything else as decimal escapes. */
export function luaString(text: string): string {
  let out = '"';
  for (const b of Buffer.from(text, "utf8")) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else out += `\\${b.toString().padStart(3, "0")}`;
  }
  return out + '"';
}

function key(k: string): string {
  if (/^\d+$/.test(k)) return `[${k}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !LUA_KEYWORDS.has(k)) return k;
  return `[${luaString(k)}]`;
}

/** Lua source of a value; `indent` is the current nesting (two spaces a level). */
export function toLua(value: LuaValue, indent = 0, name = ""): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return luaString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} to Lua`);
    // Bitmasks read better in hex.
    return name === "mask" && Number.isInteger(value) && value > 0 ? `0x${value.toString(16).padStart(2, "0")}` : String(value);
  }
  if (typeof value === "boolean") return String(value);
  const pad = "  ".repeat(indent + 1);
  const close = "  ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "{}";
    const items = value.map((v: LuaValue) => toLua(v, indent + 1));
    const flat = `{ ${items.join(", ")} }`;
    return flat.length <= 100 && !flat.includes("\n") ? flat : `{\n${items.map((i) => pad + i).join(",\n")},\n${close}}`;
  }
  const entries = Object.entries(value as Record<string, LuaValue>).filter(([, v]) => v !== undefined && v !== null);
  if (entries.length === 0) return "{}";
  const items = entries.map(([k, v]) => `${key(k)} = ${toLua(v, indent + 1, k)}`);
  const flat = `{ ${items.join(", ")} }`;
  return flat.length <= 100 && !flat.includes("\n") ? flat : `{\n${items.map((i) => pad + i).join(",\n")},\n${close}}`;
}
