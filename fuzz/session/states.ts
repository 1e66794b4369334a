/**
 * The state graph (boofuzz's session graph): each state is reached from its parent with real,
 * well-formed messages, and says which roles may send the case's steps from there.
 *
 *   fresh ── connected ─┬─ in-private-group ── invitation-pending
 *                       ├─ group-being-created
 *                       ├─ after-disconnection
 *                       └─ mid-retransmission (virtual clock only)
 */
import { MSG, messageSpec } from "../../src/protocol/index.js";
import type { Role } from "../case.js";
import { templateFor } from "../mutators/template.js";
import type { StateDriver } from "./session.js";

export interface StateDef {
  name: string;
  parent: string | null;
  /** Roles that send steps in this state. */
  roles: readonly Role[];
  needsVirtualClock?: boolean;
  /**
   * Sends the first datagrams towards this state without waiting (run before `enter`; the
   * session may send them earlier, during the previous case's teardown, from other sockets).
   */
  open?(s: StateDriver): void;
  /** Brings the target from the parent state into this one; false when it did not get there. */
  enter(s: StateDriver): Promise<boolean>;
}

const spec = (code: number) => messageSpec(code)!;

export const STATES: readonly StateDef[] = [
  { name: "fresh", parent: null, roles: ["fresh"], enter: async () => true },
  {
    name: "connected",
    parent: "fresh",
    roles: ["self", "other", "fresh"],
    open(s) {
      for (const r of ["self", "other", "third"] as const) s.sendWellFormed(s.peer(r), templateFor(spec(MSG.connRequest)));
    },
    async enter(s) {
      const all = [s.peer("self"), s.peer("other"), s.peer("third")];
      // The User List Requests go out with the ACKs of the Accepts.
      const listed = await s.settle(() => {
        for (const p of all) if (p.connected) s.sendWellFormed(p, templateFor(spec(MSG.listRequest)));
      });
      if (!listed) return false;
      return all.every((p) => p.connected && p.hasList);
    },
  },
  {
    name: "group-being-created",
    parent: "connected",
    roles: ["self", "other", "third"],
    async enter(s) {
      const self = s.peer("self");
      s.sendWellFormed(self, { ...templateFor(spec(MSG.createRequest)), options: { mode: 0, padding: 0, invitees: ["other"] } });
      if (!(await s.settle())) return false;
      return s.peer("other").invitation !== null;
    },
  },
  {
    name: "in-private-group",
    parent: "group-being-created",
    roles: ["self", "other", "third"],
    async enter(s) {
      const other = s.peer("other");
      const inv = other.invitation!;
      s.sendWellFormed(other, { ...templateFor(spec(MSG.inviteAccept)), options: { mode: inv.mode, padding: 0, invite_group: inv.group } });
      other.group = inv.group;
      other.invitation = null;
      if (!(await s.settle())) return false;
      return s.peer("self").group === inv.group;
    },
  },
  {
    name: "invitation-pending",
    parent: "in-private-group",
    roles: ["self", "other", "third"],
    async enter(s) {
      const self = s.peer("self");
      s.sendWellFormed(self, {
        ...templateFor(spec(MSG.inviteRequest)),
        options: { mode: 0, padding: 0, invite_group: self.group, invitee: "third" },
      });
      if (!(await s.settle())) return false;
      return s.peer("third").invitation !== null;
    },
  },
  {
    name: "after-disconnection",
    parent: "connected",
    roles: ["self", "other", "fresh"],
    async enter(s) {
      const self = s.peer("self");
      s.sendWellFormed(self, templateFor(spec(MSG.disconnect)));
      if (!(await s.settle())) return false;
      if (!self.settled) return false;
      self.connected = false;
      self.departed = true;
      return true;
    },
  },
  {
    name: "mid-retransmission",
    parent: "connected",
    roles: ["self", "other", "third"],
    needsVirtualClock: true,
    async enter(s) {
      const self = s.peer("self");
      self.noAck = true;
      s.sendWellFormed(s.peer("other"), templateFor(spec(MSG.data), 1));
      if (!(await s.settle())) return false;
      // One retransmission period: the relay to self is sent again, still unacknowledged.
      const ok = await s.advance(500);
      self.noAck = false;
      return ok;
    },
  },
];

export const STATE_BY_NAME: ReadonlyMap<string, StateDef> = new Map(STATES.map((s) => [s.name, s]));

/** The chain of states from fresh to `name`. */
export function statePath(name: string): StateDef[] {
  const path: StateDef[] = [];
  for (let s = STATE_BY_NAME.get(name); s; s = s.parent ? STATE_BY_NAME.get(s.parent) : undefined) path.unshift(s);
  return path;
}
