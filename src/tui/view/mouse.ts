/** Mouse: a click selects a packet, a field, a byte or a line of a view; the wheel scrolls the pane under the pointer. */
import type blessed from "blessed";
import type { TuiApp } from "./app.js";

export function onMouse(app: TuiApp, data: blessed.Widgets.Events.IMouseEventArg): void {
  const { x, y } = data;
  const action = data.action as string;
  const within = (b: blessed.Widgets.BoxElement) => y >= (b.atop as number) && y < (b.atop as number) + (b.height as number);
  const wheel = action === "wheelup" ? -3 : action === "wheeldown" ? 3 : 0;
  if (app.overlay.visible) {
    if (wheel) app.overlay.move(wheel);
    else if (action === "mousedown") {
      const i = app.overlay.lineAt(y);
      if (i >= 0) app.overlay.cursor = i;
    }
    return app.schedule(true);
  }
  if (within(app.list.box)) {
    app.focus = "list";
    if (wheel) app.s.move(wheel);
    else if (action === "mousedown") {
      const pos = app.list.positionAt(y);
      if (pos >= 0 && pos < app.s.displayedCount()) app.s.selectPos(pos);
    }
  } else if (within(app.tree.box)) {
    app.focus = "tree";
    if (wheel) app.tree.move(wheel);
    else if (action === "mousedown") {
      const i = app.tree.lineAt(y);
      if (i >= 0) {
        if (i === app.tree.cursor) app.tree.toggle();
        app.tree.cursor = i;
      }
    }
  } else if (within(app.hex.box)) {
    app.focus = "hex";
    if (wheel) app.hexMove(wheel * 16);
    else if (action === "mousedown" && app.s.selectedRow >= 0) {
      const b = app.hex.byteAt(x, y, app.s.index.length(app.s.selectedRow));
      if (b >= 0) {
        app.hex.cursor = b;
        app.tree.selectByte(b);
      }
    }
  }
  app.schedule(true);
}
