/**
 * Finds paths in test code that leave the repository: a clone has nothing beside it, so a test
 * that reads `../(outside)/spec/...`, `/work/...` or a fixture left in `/tmp` passes on the
 * developers' machines and fails (or skips) on a user's. Parsed with the TypeScript compiler, so
 * comments and the text of regular expressions are not taken for paths.
 *
 * What is flagged, in every string and template literal:
 * - a relative path (`./`, `../`) that resolves outside the root from the file's own folder
 *   (import specifiers, `new URL(x, import.meta.url)`, `resolve(import.meta.dirname, x)`);
 * - a `..` segment after a computed base: an argument of `join`/`resolve` after the first when
 *   the first is not the file's own folder (`join(ROOT, "..", "shared")`), or `${X}/../` in a
 *   template;
 * - an absolute path under `/work` or `/tmp`, one that names the shared spec folder, or one that
 *   exists on this machine outside the root (pseudo-files under /dev, /proc, /sys excepted).
 *
 * Not flagged: temp dirs made at run time (`mkdtempSync(join(tmpdir(), "x-"))`), absolute paths
 * that exist nowhere (`/nonexistent/x.pcap`, a fake `/home/u` given to a pure function).
 * A line can be excused deliberately with a comment `outside-root-ok: REASON` on it or just above it.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import ts from "typescript";

export interface Escape {
  /** Path of the file, relative to the root. */
  file: string;
  line: number;
  literal: string;
  why: string;
}

export interface CheckOptions {
  /** Whether an absolute path exists (injected by the tests of this checker). */
  exists?: (path: string) => boolean;
}

const PSEUDO_FILES = /^\/(dev|proc|sys)(\/|$)/;
const NAMED_OUTSIDE = /^\/(work|tmp|var\/tmp)(\/|$)/;
const SHARED_SPEC = /(^|\/)shared\/spec(\/|$)/;
const EXCUSE = /outside-root-ok:\s*\S/;

/** Whether a join/resolve base is the file's own folder (so a later "../x" is resolved from it). */
function isFileFolder(node: ts.Expression): boolean {
  return /^(import\.meta\.dirname|__dirname|dirname\(fileURLToPath\(import\.meta\.url\)\))$/.test(node.getText().replace(/\s+/g, ""));
}

function callName(node: ts.CallExpression): string {
  const e = node.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return "";
}

/** Escapes in one file's source; `file` is its absolute path, inside `root`. */
export function findEscapes(root: string, file: string, source: string, options: CheckOptions = {}): Escape[] {
  const exists = options.exists ?? existsSync;
  const kind = /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const lines = source.split("\n");
  const folder = dirname(file);
  const out: Escape[] = [];

  const report = (node: ts.Node, literal: string, why: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
    if (EXCUSE.test(lines[line] ?? "") || EXCUSE.test(lines[line - 1] ?? "")) return;
    out.push({ file: relative(root, file), line: line + 1, literal, why });
  };
  const outside = (path: string) => {
    const r = relative(root, path);
    return r === ".." || r.startsWith("../") || isAbsolute(r);
  };

  /** A literal's text, or the fixed start of a template (up to its first substitution). */
  const checkText = (node: ts.Node, text: string) => {
    if (text.startsWith("./") || text.startsWith("../")) {
      const target = resolve(folder, text);
      if (outside(target)) report(node, text, `resolves to ${target}, outside the repository`);
    } else if (text.startsWith("/") && /^\/[^\s"'`]+$/.test(text)) {
      if (SHARED_SPEC.test(text)) report(node, text, "names the shared spec folder, which no clone has");
      else if (NAMED_OUTSIDE.test(text))
        report(node, text, "an absolute path outside the repository (use a file under test/fixtures, or a temp dir made at run time)");
      else if (!PSEUDO_FILES.test(text) && outside(text) && exists(text))
        report(node, text, "an absolute path that exists on this machine, outside the repository");
    } else if (SHARED_SPEC.test(text)) {
      report(node, text, "names the shared spec folder, which no clone has");
    }
  };

  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      checkText(node, node.text);
    } else if (ts.isTemplateExpression(node)) {
      checkText(node, node.head.text);
      for (const span of node.templateSpans) {
        const t = span.literal.text;
        if (/^\/?\.\.(\/|$)|\/\.\.(\/|$)/.test(t)) report(span, t, "climbs with '..' out of a computed path");
        if (SHARED_SPEC.test(t)) report(span, t, "names the shared spec folder, which no clone has");
      }
    } else if (ts.isCallExpression(node) && ["join", "resolve"].includes(callName(node)) && node.arguments.length > 1) {
      const [base, ...rest] = node.arguments;
      if (!isFileFolder(base!)) {
        for (const arg of rest) {
          if ((ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) && /(^|\/)\.\.(\/|$)/.test(arg.text)) {
            report(arg, arg.text, `climbs with '..' out of ${base!.getText()}`);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.line}\0${e.literal}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
