/**
 * Centralized relay of Data Messages (WIRE.md section 5): ACK the sender at once, then relay the
 * message, unchanged but for the Sequence bit, to every other member of the destination group.
 */
import { SharedMessage } from "../../arq/link.js";
import type { ImpMessage } from "../../codec/index.js";
import type { ServerCore } from "../core.js";
import { MSG as T } from "../../protocol/messages.js";
import type { User } from "../state.js";

export function onData(core: ServerCore, sender: User, m: ImpMessage): void {
  core.ack(sender, m);
  const c = core.counters;
  c.dataReceived++;
  const groupId = m.group;
  if (sender.group !== groupId) {
    c.dataNotRelayed++;
    core.emit({ event: "data-not-relayed", id: sender.id, group: groupId, reason: "not a member" });
    return;
  }
  const group = core.state.groups.get(groupId)!;
  if (group.mode === 1) {
    // Members of a decentralized group send to each other directly.
    c.dataNotRelayed++;
    core.emit({ event: "data-not-relayed", id: sender.id, group: groupId, reason: "decentralized group" });
    return;
  }
  // The server is the sender of the relayed copy: its Reserved bit is 0 (WIRE.md section 2; found by imp fuzz).
  const relay = new SharedMessage({ type: T.data, src: m.src, group: groupId, payload: m.payload! });
  let relayed = 0;
  const users = core.state.users;
  for (const id of group.members) {
    if (id === sender.id) continue;
    const to = users.get(id)!;
    // A half-open client is not sent what others say (docs/PROTOCOL.md 5.1): it could not be sent
    // under the amplification limit anyway, and would only fill its queue.
    if (!to.validated) continue;
    // A member whose link is at its cap is disconnected at the end of this turn (core.afterTurn).
    core.send(to, relay);
    relayed++;
  }
  c.dataRelayed += relayed;
  if (core.logs("data")) core.write({ event: "data", id: sender.id, group: groupId, bytes: m.payload!.length, relayed });
}
