/**
 * Drivers (`imp test client --driver FILE`): how the suite makes a client under test act, as
 * lines typed on its stdin. A driver is JSON (schema: docs/driver.schema.json): one template per
 * action, with placeholders the suite fills in. An action the driver lacks makes the cases that
 * need it Unimplemented. The bundled client (`imp client`) has a built-in driver: its chat commands.
 *
 * Placeholders: {text} (send), {mode} (create: the driver's word for the mode), {invitees} and
 * {invitee} (usernames, space-separated), {invitee_ids} and {invitee_id} (client IDs), {group}
 * (accept, reject, invite: the group ID).
 */
export const ACTIONS = ["send", "create", "invite", "accept", "reject", "leave", "list", "quit"] as const;
export type Action = (typeof ACTIONS)[number];

export interface Driver {
  name: string;
  /** Templates of the lines to type, by action; absent: the client cannot be asked to do it. */
  actions: Partial<Record<Action, string>>;
  /** The words {mode} becomes; a mode without a word cannot be asked for (decentralized cases Unimplemented). */
  modes: { centralized?: string; decentralized?: string };
}

/** `imp client`'s chat commands (src/client/chat-repl.ts). */
export const BUILTIN_DRIVER: Driver = {
  name: "imp client (built-in driver)",
  actions: {
    send: "{text}",
    create: "/create {mode} {invitees}",
    invite: "/invite {invitee}",
    accept: "/accept {group}",
    reject: "/reject {group}",
    leave: "/leave",
    list: "/list",
    quit: "/quit",
  },
  modes: { centralized: "-c", decentralized: "-d" },
};

const PLACEHOLDERS = ["text", "mode", "invitees", "invitee", "invitee_ids", "invitee_id", "group"];

/** Parses and checks a driver file's text; throws an Error with a one-line message. */
export function parseDriver(text: string): Driver {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("a driver is a JSON object");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["$schema", "name", "actions", "modes"].includes(k)) throw new Error(`unknown key "${k}"`);
  if (o.name !== undefined && typeof o.name !== "string") throw new Error(`"name" must be a string`);
  if (typeof o.actions !== "object" || o.actions === null || Array.isArray(o.actions)) throw new Error(`"actions" must be an object`);
  const actions: Partial<Record<Action, string>> = {};
  for (const [k, v] of Object.entries(o.actions)) {
    if (!(ACTIONS as readonly string[]).includes(k)) throw new Error(`unknown action "${k}" (actions: ${ACTIONS.join(", ")})`);
    if (typeof v !== "string" || v.trim() === "" || /[\r\n]/.test(v)) throw new Error(`action "${k}": a one-line, non-empty template`);
    for (const m of v.matchAll(/\{([a-z_]+)\}/g))
      if (!PLACEHOLDERS.includes(m[1]!)) throw new Error(`action "${k}": unknown placeholder {${m[1]}}`);
    actions[k as Action] = v;
  }
  const modes: Driver["modes"] = {};
  if (o.modes !== undefined) {
    if (typeof o.modes !== "object" || o.modes === null || Array.isArray(o.modes)) throw new Error(`"modes" must be an object`);
    for (const [k, v] of Object.entries(o.modes)) {
      if (k !== "centralized" && k !== "decentralized") throw new Error(`unknown mode "${k}" (centralized, decentralized)`);
      if (typeof v !== "string") throw new Error(`mode "${k}": a string`);
      modes[k] = v;
    }
  }
  if (actions.create?.includes("{mode}") && Object.keys(modes).length === 0)
    throw new Error(`action "create" uses {mode}: give "modes" (centralized, decentralized)`);
  return { name: typeof o.name === "string" ? o.name : "driver", actions, modes };
}

/** Values for one action's placeholders. */
export interface ActionValues {
  text?: string;
  mode?: "centralized" | "decentralized";
  invitees?: readonly { id: number; name: string }[];
  group?: number;
}

/** The line to type for `action`, or null when the driver cannot express it (the case is Unimplemented). */
export function renderAction(d: Driver, action: Action, v: ActionValues = {}): string | null {
  const t = d.actions[action];
  if (t === undefined) return null;
  let mode = "";
  if (t.includes("{mode}")) {
    const word = d.modes[v.mode ?? "centralized"];
    if (word === undefined) return null;
    mode = word;
  } else if (v.mode === "decentralized" && action === "create") return null;
  const values: Record<string, string> = {
    mode,
    invitees: (v.invitees ?? []).map((i) => i.name).join(" "),
    invitee: v.invitees?.[0]?.name ?? "",
    invitee_ids: (v.invitees ?? []).map((i) => i.id).join(" "),
    invitee_id: String(v.invitees?.[0]?.id ?? ""),
    group: v.group === undefined ? "" : String(v.group),
  };
  // The text goes in last, as it is (its spaces kept; an empty mode word leaves no double space).
  const line = t.replace(/\{([a-z_]+)\}/g, (all, k: string) => (k === "text" ? all : (values[k] ?? ""))).replace(/ {2,}/g, " ");
  return line.replaceAll("{text}", v.text ?? "").trimEnd();
}
