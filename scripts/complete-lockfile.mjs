// Adds lock entries for optional platform packages that the registry reachable here does not
// serve (rollup's binaries for other systems answer 404), so that `npm ci` accepts the lock.
// The entries carry os/cpu, so npm skips them on every other platform, as it would with a full lock.
//
// The file is written byte for byte as npm writes it (its key order, below), so that a later
// `npm install` finds nothing to rewrite: `git status` stays clean after an install.
//
// Procedure after any change of dependencies (`npm install -D some-package`, an upgrade):
//   node scripts/complete-lockfile.mjs && npm install && git diff --exit-code package-lock.json
// The last step must print nothing; commit package.json and package-lock.json together.
// `node scripts/complete-lockfile.mjs --check` exits 1, writing nothing, when the lock needs either fix.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const before = readFileSync(path, "utf8");
const lock = JSON.parse(before);
const OS = ["android", "darwin", "freebsd", "linux", "openbsd", "openharmony", "win32"];
const CPU = {
  arm: "arm",
  arm64: "arm64",
  x64: "x64",
  ia32: "ia32",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
};

/** os, cpu and libc from a platform package name such as @rollup/rollup-linux-arm-musleabihf. */
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const osIndex = parts.findIndex((p) => OS.includes(p));
  if (osIndex < 0) return null;
  const cpu = CPU[parts[osIndex + 1]];
  if (!cpu) return null;
  const abi = parts.slice(osIndex + 2).join("-");
  const entry = { os: [parts[osIndex]], cpu: [cpu] };
  if (parts[osIndex] === "linux") entry.libc = [abi.includes("musl") ? "musl" : "glibc"];
  return entry;
}

// npm's own serialisation (@npmcli/arborist's shrinkwrap.js through json-stringify-nice): in every
// object, values that are not plain objects (arrays included) come before those that are; within
// each part, these keys first in this order, then the others by localeCompare(_, "en").
const NPM_KEY_ORDER = ["name", "version", "lockfileVersion", "resolved", "integrity", "requires", "packages", "dependencies"];
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
function compareKeys(a, b) {
  const ia = NPM_KEY_ORDER.indexOf(a);
  const ib = NPM_KEY_ORDER.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0) return -1;
  if (ib >= 0) return 1;
  return a.localeCompare(b, "en");
}
function npmOrder(value) {
  if (Array.isArray(value)) return value.map(npmOrder);
  if (!isObject(value)) return value;
  const entries = Object.entries(value).sort(([ak, av], [bk, bv]) =>
    isObject(av) === isObject(bv) ? compareKeys(ak, bk) : isObject(av) ? 1 : -1,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, npmOrder(v)]));
}

let added = 0;
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const [dep, spec] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = where === "" ? "" : `${where}/`;
    if (lock.packages[`${base}node_modules/${dep}`] || lock.packages[`node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) continue;
    lock.packages[`node_modules/${dep}`] = { version: spec, ...platform, ...(pkg.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
const after = JSON.stringify(npmOrder(lock), null, 2) + "\n";
if (process.argv.includes("--check")) {
  if (after !== before) {
    console.error(
      `package-lock.json: ${added} platform entries missing${added ? "" : ", keys not in npm's order"}: run node scripts/complete-lockfile.mjs`,
    );
    process.exit(1);
  }
  console.log("package-lock.json: complete, in npm's format");
} else {
  writeFileSync(path, after);
  console.log(`package-lock.json: ${added} platform entries added${after === before ? ", nothing changed" : ""}`);
}
