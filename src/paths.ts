/** Files that ship with impkit, found from this module whether it runs from src/ or dist/src/. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The folder that holds impkit's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "captures"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find impkit's package folder");
    dir = up;
  }
  root = dir;
  return dir;
}

/** The bundled demo capture: the default of `imp decode`, `imp read` and `imp tui`. */
export function bundledCapture(name = "demo.pcapng"): string {
  return join(packageRoot(), "captures", name);
}
