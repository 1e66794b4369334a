/** Classes of 8-bit client and group IDs (WIRE.md section 2 and the Src/Group column of section 3). */
export type IdClass = "zero" | "client" | "public" | "private" | "broadcast";

export function inIdClass(value: number, cls: IdClass): boolean {
  switch (cls) {
    case "zero":
      return value === 0;
    case "client":
      return value >= 1 && value <= 255;
    case "public":
      return value === 1;
    case "private":
      return value >= 2 && value <= 254;
    case "broadcast":
      return value === 255;
  }
}

export function inAnyIdClass(value: number, classes: readonly IdClass[]): boolean {
  for (const c of classes) if (inIdClass(value, c)) return true;
  return false;
}

export const ID_CLASS_TEXT: Readonly<Record<IdClass, string>> = {
  zero: "0",
  client: "a client ID (1..255)",
  public: "1 (Public Group)",
  private: "a private group (2..254)",
  broadcast: "255 (broadcast)",
};

const tables = new WeakMap<readonly IdClass[], Uint8Array>();

/**
 * The values 0..255 of these classes as a lookup table (1: in a class), made once per list of
 * classes: a decoder checks a value with one load.
 */
export function idClassTable(classes: readonly IdClass[]): Uint8Array {
  let t = tables.get(classes);
  if (!t) {
    t = new Uint8Array(256);
    for (let v = 0; v < 256; v++) t[v] = inAnyIdClass(v, classes) ? 1 : 0;
    tables.set(classes, t);
  }
  return t;
}
