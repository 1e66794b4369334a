/**
 * Every key of the inspector, in one table: the dispatcher reads it and the help overlay is
 * generated from it, so the two cannot disagree.
 */
import type { TuiApp } from "./app.js";

/** Where a binding applies: everywhere (normal mode), in one pane, or in an overlay view. */
export type KeyContext = "global" | "list" | "tree" | "hex" | "overlay";

export interface KeyBinding {
  /** Printable characters as typed (`G`, `/`), other keys by blessed name (`up`, `C-g`, `S-tab`). */
  keys: readonly string[];
  where: KeyContext;
  help: string;
  run: (app: TuiApp) => void;
}

export const KEYS: readonly KeyBinding[] = [
  // Panes first: they take precedence over the global bindings with the same key.
  { keys: ["enter"], where: "list", help: "show the packet's tree (focus the tree pane)", run: (a) => a.focusPane("tree") },
  { keys: ["enter", "space"], where: "tree", help: "expand or collapse the subtree", run: (a) => a.treeToggle() },
  { keys: ["right", "l"], where: "tree", help: "expand the subtree", run: (a) => a.treeExpand(true) },
  { keys: ["left", "h"], where: "tree", help: "collapse the subtree (or go to its parent)", run: (a) => a.treeExpand(false) },
  { keys: ["+", "*"], where: "tree", help: "expand every subtree", run: (a) => a.treeAll(true) },
  { keys: ["-"], where: "tree", help: "collapse every subtree", run: (a) => a.treeAll(false) },
  { keys: ["right", "l"], where: "hex", help: "next byte (selects the field that holds it)", run: (a) => a.hexMove(1) },
  { keys: ["left", "h"], where: "hex", help: "previous byte", run: (a) => a.hexMove(-1) },
  { keys: ["down", "j"], where: "hex", help: "16 bytes down", run: (a) => a.hexMove(16) },
  { keys: ["up", "k"], where: "hex", help: "16 bytes up", run: (a) => a.hexMove(-16) },
  { keys: ["enter"], where: "overlay", help: "go to the frame of the line", run: (a) => a.overlayEnter() },
  { keys: ["escape", "q"], where: "overlay", help: "close the view", run: (a) => a.closeOverlay() },

  { keys: ["down", "j"], where: "global", help: "next packet / line", run: (a) => a.move(1) },
  { keys: ["up", "k"], where: "global", help: "previous packet / line", run: (a) => a.move(-1) },
  { keys: ["pagedown", "C-f", "space"], where: "global", help: "page down", run: (a) => a.page(1) },
  { keys: ["pageup", "C-b"], where: "global", help: "page up", run: (a) => a.page(-1) },
  { keys: ["C-d"], where: "global", help: "half a page down", run: (a) => a.halfPage(1) },
  { keys: ["C-u"], where: "global", help: "half a page up", run: (a) => a.halfPage(-1) },
  { keys: ["g", "home"], where: "global", help: "first packet / line", run: (a) => a.edge(-1) },
  { keys: ["G", "end"], where: "global", help: "last packet / line (live: follow the tail again)", run: (a) => a.edge(1) },
  { keys: ["tab"], where: "global", help: "next pane (list, tree, hex)", run: (a) => a.cycleFocus(1) },
  { keys: ["S-tab"], where: "global", help: "previous pane", run: (a) => a.cycleFocus(-1) },
  {
    keys: ["/"],
    where: "global",
    help: "display filter bar (green: valid, red: not; Enter applies, Up/Down history, Tab completes)",
    run: (a) => a.openPrompt("filter"),
  },
  {
    keys: ["s"],
    where: "global",
    help: "search: a filter expression that n/N look for (does not hide packets)",
    run: (a) => a.openPrompt("find"),
  },
  {
    keys: ["n"],
    where: "global",
    help: "next match (of the search; without one: next packet with a warning or error)",
    run: (a) => a.findNext(1),
  },
  { keys: ["N"], where: "global", help: "previous match", run: (a) => a.findNext(-1) },
  { keys: [":", "C-g"], where: "global", help: "go to frame", run: (a) => a.openPrompt("goto") },
  { keys: ["e"], where: "global", help: "expert info summary (by severity; Enter goes to the frame)", run: (a) => a.openView("expert") },
  { keys: ["f"], where: "global", help: "flow ladder of the displayed packets", run: (a) => a.openView("flow") },
  { keys: ["c"], where: "global", help: "group chat", run: (a) => a.openView("chat") },
  { keys: ["t"], where: "global", help: "statistics", run: (a) => a.openView("stats") },
  { keys: ["?", "f1"], where: "global", help: "this help", run: (a) => a.openView("help") },
  { keys: ["p"], where: "global", help: "pause / resume the display (live capture goes on)", run: (a) => a.togglePause() },
  { keys: ["w"], where: "global", help: "save the captured packets to a pcapng file", run: (a) => a.openPrompt("save") },
  { keys: ["C-l"], where: "global", help: "redraw the screen", run: (a) => a.redraw() },
  { keys: ["escape"], where: "global", help: "close a prompt or view; clear the message", run: (a) => a.escape() },
  { keys: ["q"], where: "global", help: "quit (asks first only while a live capture is running)", run: (a) => a.quit(false) },
  { keys: ["C-c"], where: "global", help: "quit now", run: (a) => a.quit(true) },
];

/** Keys of the prompts (filter bar, search, go to, save), for the help overlay. */
export const PROMPT_KEYS: readonly [string, string][] = [
  ["Enter", "apply"],
  ["Esc", "cancel"],
  ["Up / Down", "history"],
  ["Tab", "complete a field name"],
  ["Ctrl-U / Ctrl-W", "clear the line / delete a word"],
  ["Left Right Home End", "move the cursor"],
];

export const MOUSE_HELP: readonly [string, string][] = [
  ["click", "select a packet, a field, a byte, a line of a view"],
  ["wheel", "scroll the pane under the pointer"],
];

/** The binding for a key in a context (pane bindings before global ones). */
export function lookup(contexts: readonly KeyContext[], key: string): KeyBinding | undefined {
  for (const where of contexts) {
    const b = KEYS.find((k) => k.where === where && k.keys.includes(key));
    if (b) return b;
  }
  return undefined;
}

/** Display name of a key for the help. */
export function keyLabel(k: string): string {
  const names: Record<string, string> = {
    up: "Up",
    down: "Down",
    left: "Left",
    right: "Right",
    pageup: "PgUp",
    pagedown: "PgDn",
    home: "Home",
    end: "End",
    enter: "Enter",
    escape: "Esc",
    tab: "Tab",
    "S-tab": "Shift-Tab",
    space: "Space",
    f1: "F1",
  };
  if (names[k]) return names[k]!;
  if (k.startsWith("C-")) return `Ctrl-${k.slice(2).toUpperCase()}`;
  return k;
}
