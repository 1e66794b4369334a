/**
 * Templates of the tables (Info columns, list entries, problem sentences): literal text with
 * `{name}` or `{name:format}` where a value goes. Compiled once into parts; filled with a lookup
 * of values by name. The generated Lua dissector fills the same templates (dissector/lua).
 */

/** How a `{name:format}` shows a value. */
export type TemplateFormat = (value: string | number | undefined) => string;

/** A compiled template: literal parts and, between them, the name and format of a value. */
export type TemplatePart = string | { readonly name: string; readonly format: string };

const PLACEHOLDER = /\{(\w+)(?::(\w+))?\}/g;

/** The parts of a template, in order (empty literals left out). */
export function templateParts(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push({ name: m[1]!, format: m[2] ?? "" });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/** The names a template asks for. */
export function templateNames(template: string): string[] {
  return templateParts(template).flatMap((p) => (typeof p === "string" ? [] : [p.name]));
}

/**
 * A function that fills the template: `value(name, format)` gives each value's text. Compiled
 * once; `formats` are checked here, so a template with an unknown format fails when it is made.
 */
export function compileTemplate<V>(
  template: string,
  value: (name: string, format: string) => (values: V) => string,
): (values: V) => string {
  const parts = templateParts(template).map((p) => (typeof p === "string" ? p : value(p.name, p.format)));
  return (values) => {
    let out = "";
    for (const p of parts) out += typeof p === "string" ? p : p(values);
    return out;
  };
}
