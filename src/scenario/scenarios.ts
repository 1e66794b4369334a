/**
 * One scenario for each flow of the original specification's sections 6 and 8, plus a rich
 * demo session. Each script drives the reference server and clients through the flow and waits
 * for the traffic to settle between steps, so the recorded sequence is the same on every run
 * (apart from timestamps and ports).
 */
import type { ScenarioContext } from "./context.js";

export interface Scenario {
  name: string;
  /** Section of the 2017 specification it shows. */
  section: string;
  description: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Connects the named clients in order. */
async function connectAll(ctx: ScenarioContext, ...names: string[]): Promise<void> {
  for (const n of names) await ctx.connect(n);
}

/** `creator` makes a group with `invitees`, who all accept. */
async function makeGroup(
  ctx: ScenarioContext,
  creator: string,
  mode: "centralized" | "decentralized",
  ...invitees: string[]
): Promise<number> {
  const invited = invitees.map((n) => ctx.next(n, "invitation"));
  const created = ctx.next(creator, "groupCreated");
  await ctx.client(creator).createGroup({ mode, invitees });
  await Promise.all(invited);
  await ctx.settle();
  for (const n of invitees) {
    await ctx.client(n).accept();
    await ctx.settle();
  }
  const { group } = await created;
  await ctx.settle();
  return group;
}

async function say(ctx: ScenarioContext, name: string, text: string): Promise<void> {
  await ctx.client(name).send(text);
  await ctx.settle();
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "connection-accepted",
    section: "6.1.1",
    description: "alice and bob connect: request, accept, ACK, list request, list response, ACK; alice learns of bob by Update List",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob");
    },
  },
  {
    name: "connection-rejected-name-taken",
    section: "6.1.2",
    description: "a second client asks for the name alice: Connection Reject, error 1 (the client ACKs it, as the 2017 client does)",
    run: async (ctx) => {
      await ctx.startServer();
      await ctx.connect("alice");
      await ctx.connect("alice").then(
        () => Promise.reject(new Error("the second alice was accepted")),
        () => ctx.settle(),
      );
    },
  },
  {
    name: "connection-rejected-server-full",
    section: "6.1.2",
    description: "a server for one user: bob gets Connection Reject, error 0",
    run: async (ctx) => {
      await ctx.startServer({ maxUsers: 1 });
      await ctx.connect("alice");
      await ctx.connect("bob").then(
        () => Promise.reject(new Error("bob was accepted by a full server")),
        () => ctx.settle(),
      );
    },
  },
  {
    name: "centralized-messaging",
    section: "6.2.1",
    description: "alice, bob and carol in the Public Group: the server ACKs each message and relays it to the others, who ACK",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await say(ctx, "alice", "hello everyone");
      await say(ctx, "bob", "hi alice");
    },
  },
  {
    name: "decentralized-messaging",
    section: "6.2.2",
    description: "alice and bob in a decentralized group send Data Messages to each other directly and ACK with their own IDs",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "alice", "decentralized", "bob");
      await say(ctx, "alice", "just between us");
      await say(ctx, "bob", "sure");
    },
  },
  {
    name: "group-creation-accepted",
    section: "6.3.1",
    description: "alice creates a centralized group inviting bob and carol; bob accepts first (Group Creation Accept), carol joins later",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "alice", "centralized", "bob", "carol");
      await say(ctx, "carol", "glad to be here");
    },
  },
  {
    name: "group-creation-rejected",
    section: "6.3.2",
    description: "alice invites bob, who rejects: Group Creation Reject",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob");
      const invited = ctx.next("bob", "invitation");
      const rejected = ctx.next("alice", "groupCreateRejected");
      await ctx.client("alice").createGroup({ mode: "centralized", invitees: ["bob"] });
      await invited;
      await ctx.settle();
      await ctx.client("bob").reject();
      await rejected;
      await ctx.settle();
    },
  },
  {
    name: "group-creation-timeout",
    section: "6.3.2",
    description: "alice invites bob, who never answers: after the invitation timer (15 s), Group Creation Reject",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob");
      const rejected = ctx.next("alice", "groupCreateRejected");
      await ctx.client("alice").createGroup({ mode: "centralized", invitees: ["bob"] });
      await rejected;
      await ctx.settle();
    },
  },
  {
    name: "invitation-accepted",
    section: "6.3.3",
    description: "alice (in a group with bob) invites carol into it; the server forwards the invitation and carol's accept",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "alice", "centralized", "bob");
      const invited = ctx.next("carol", "invitation");
      const accepted = ctx.next("alice", "invitationAccepted");
      await ctx.client("alice").invite("carol");
      await invited;
      await ctx.settle();
      await ctx.client("carol").accept();
      await accepted;
      await ctx.settle();
      await say(ctx, "carol", "thanks for the invite");
    },
  },
  {
    name: "invitation-rejected",
    section: "6.3.4",
    description: "alice invites carol into her group; carol rejects and alice gets Group Invitation Reject",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "alice", "centralized", "bob");
      const invited = ctx.next("carol", "invitation");
      const rejected = ctx.next("alice", "invitationRejected");
      await ctx.client("alice").invite("carol");
      await invited;
      await ctx.settle();
      await ctx.client("carol").reject();
      await rejected;
      await ctx.settle();
    },
  },
  {
    name: "invitation-timeout",
    section: "6.3.4",
    description: "alice invites carol, who never answers: after 15 s the server sends alice Group Invitation Reject",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "alice", "centralized", "bob");
      const rejected = ctx.next("alice", "invitationRejected");
      await ctx.client("alice").invite("carol");
      await rejected;
      await ctx.settle();
    },
  },
  {
    name: "disjoint",
    section: "6.3.5",
    description: "carol leaves a group of three with Group Disjoint Request and goes back to the Public Group",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "alice", "centralized", "bob", "carol");
      await ctx.client("carol").leave();
      await ctx.settle();
      await say(ctx, "alice", "carol left");
    },
  },
  {
    name: "dissolution",
    section: "6.3.6",
    description: "bob leaves a group of two: the server dissolves it with Group Dissolution to alice",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob");
      await makeGroup(ctx, "alice", "centralized", "bob");
      const dissolved = ctx.next("alice", "dissolved");
      await ctx.client("bob").leave();
      await dissolved;
      await ctx.settle();
    },
  },
  {
    name: "updates",
    section: "6.4",
    description: "Update List on a connection and on group changes, Update Disconnection when a client leaves; every update ACKed",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol");
      await makeGroup(ctx, "bob", "centralized", "carol");
      await ctx.client("carol").disconnect();
      await ctx.settle();
    },
  },
  {
    name: "disconnection",
    section: "6.5",
    description: "bob sends Disconnection Request; the server ACKs it and tells alice with Update Disconnection",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob");
      await ctx.client("bob").disconnect();
      await ctx.settle();
    },
  },
  {
    name: "packet-loss",
    section: "8.1",
    description:
      "seeded loss on every path makes the ARQ retransmit; then bob stops receiving: the server retransmits the relay 5 times, removes bob (forced disconnection) and tells alice",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob");
      ctx.recorder.loss = ctx.loss(0.3);
      await say(ctx, "alice", "can you hear me?");
      await say(ctx, "bob", "yes, but the line is bad");
      await say(ctx, "alice", "let me try again");
      const bob = ctx.client("bob").local.port;
      ctx.recorder.loss = (_src, dst) => dst.port === bob;
      const gone = ctx.next("alice", "userLeft");
      await ctx.client("alice").send("bob?");
      await gone;
      ctx.recorder.loss = null;
      await ctx.settle();
    },
  },
  {
    name: "demo",
    section: "all",
    description:
      "a rich session for the inspector: public chat, a decentralized and a centralized group, an invitation rejected, a disjoint, some loss, a disconnection",
    run: async (ctx) => {
      await ctx.startServer();
      await connectAll(ctx, "alice", "bob", "carol", "dave");
      await say(ctx, "alice", "hi all, lab report due friday");
      await say(ctx, "dave", "thanks alice");
      await makeGroup(ctx, "alice", "decentralized", "bob");
      await say(ctx, "alice", "shall we split the work?");
      await say(ctx, "bob", "I take the server part");
      const invited = ctx.next("dave", "invitation");
      const rejected = ctx.next("alice", "invitationRejected");
      await ctx.client("alice").invite("dave");
      await invited;
      await ctx.settle();
      await ctx.client("dave").reject();
      await rejected;
      await ctx.settle();
      await makeGroup(ctx, "carol", "centralized", "dave");
      ctx.recorder.loss = ctx.loss(0.35);
      await say(ctx, "carol", "the wifi here is terrible");
      await say(ctx, "dave", "I can barely hear you");
      await say(ctx, "carol", "let me move closer to the router");
      await say(ctx, "dave", "better now");
      ctx.recorder.loss = null;
      await ctx.settle();
      await ctx.client("dave").leave();
      await ctx.settle();
      await ctx.client("bob").leave();
      await ctx.settle();
      await ctx.client("dave").disconnect();
      await ctx.settle();
    },
  },
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
