/** The help overlay, generated from the key table (so it lists every key the dispatcher knows). */
import { staticView, type ViewLine, type ViewSource } from "../model/views.js";
import { KEYS, keyLabel, MOUSE_HELP, PROMPT_KEYS, type KeyContext } from "./keys.js";
import { LEGEND } from "./palette.js";

/** The help overlay, generated from the key table. */
export function helpView(): ViewSource {
  const lines: ViewLine[] = [{ text: "imp tui: keys", style: "header" }];
  const sections: [KeyContext, string][] = [
    ["global", "Everywhere"],
    ["list", "Packet list"],
    ["tree", "Detail tree"],
    ["hex", "Hex pane"],
    ["overlay", "Views (this one too)"],
  ];
  for (const [where, title] of sections) {
    lines.push({ text: "" }, { text: title, style: "header" });
    for (const b of KEYS.filter((k) => k.where === where))
      lines.push({ text: `  ${b.keys.map(keyLabel).join(", ").padEnd(24)} ${b.help}` });
  }
  lines.push({ text: "" }, { text: "Prompts (filter, search, go to, save)", style: "header" });
  for (const [k, h] of PROMPT_KEYS) lines.push({ text: `  ${k.padEnd(24)} ${h}` });
  lines.push({ text: "" }, { text: "Mouse", style: "header" });
  for (const [k, h] of MOUSE_HELP) lines.push({ text: `  ${k.padEnd(24)} ${h}` });
  lines.push({ text: "" }, { text: "Packet list colours", style: "header" });
  for (const [k, st] of LEGEND) lines.push({ text: `  ${k} (${st.fg}${st.bg ? ` on ${st.bg}` : ""})` });
  lines.push({ text: "  gutter: E error, W warning, N note (expert info of the packet)" });
  return staticView("Help", lines);
}
