import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { connectClient } from "../../src/client/client.js";
import { displayText, runRepl } from "../../src/client/chat-repl.js";
import { autoServer, entry, fakeEndpoint, type FakeEndpoint } from "./fake-server.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(): Promise<FakeEndpoint> {
  const s = await fakeEndpoint();
  cleanup.push(() => s.close());
  return s;
}

function io(script: string) {
  const b = bufferIo();
  b.stdin = Readable.from([script]);
  return b;
}

const at = (s: FakeEndpoint) => `127.0.0.1:${s.address.port}`;

describe("imp client (piped input)", () => {
  it("sends text, waits for a relayed answer, lists users, and disconnects on /quit", async () => {
    const s = await server();
    autoServer(s, {
      extra: [entry(7, "bob", 1, { ip: "10.0.0.7", port: 7007 })],
      onMessage: (m, from, auto) => {
        if (m.type === 5 && m.data === "ping") auto.push(from, { type: 5, src: 7, group: 1, data: "pong" });
      },
    });
    const b = io("ping\n/wait pong\n/list\n/who\n/quit\nnever sent\n");
    const code = await runCli(["client", "--name", "alice", "--server", at(s), "--rto", "100"], b);
    expect(b.stderr()).toBe("");
    expect(code).toBe(0);
    const lines = b.stdout().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\* connected to 127\.0\.0\.1:\d+ as alice \(id 42\); 2 users online/);
    expect(lines[1]).toBe("[group 1] bob: pong");
    expect(lines[2]).toMatch(/^ {4}7 {2}bob {7}public {5}10\.0\.0\.7:7007$/);
    expect(lines[3]).toMatch(/^ {3}42 {2}alice {5}public {5}127\.0\.0\.1:\d+ {2}\(you\)$/);
    expect(lines[4]).toBe("* you are alice (id 42) in the public group");
    const types = s.inbox.filter((r) => r.m.ack === 0).map((r) => r.m.type);
    expect(types).toEqual([0, 3, 5, 3, 16]); // connect, list, "ping", /list asks the server again, Disconnection Request; nothing after /quit
  });

  it("disconnects at end of input after the last message is acknowledged", async () => {
    const s = await server();
    autoServer(s);
    const b = io("hello\nworld");
    expect(await runCli(["client", "-n", "alice", "-s", at(s)], b)).toBe(0);
    const sent = s.inbox.filter((r) => r.m.ack === 0);
    expect(sent.map((r) => [r.m.type, r.m.data])).toEqual([
      [0, undefined],
      [3, undefined],
      [5, "hello"],
      [5, "world"],
      [16, undefined],
    ]);
  });

  it("answers an invitation from a script (/wait invitation, /accept) and prints events", async () => {
    const s = await server();
    autoServer(s, {
      extra: [entry(7, "bob", 2, { ip: "10.0.0.7", port: 7007 })],
      onMessage: (m, from, auto) => {
        if (m.type === 5 && m.data === "invite me") auto.push(from, { type: 9, src: 7, group: 0, mode: 1, invite_group: 2, invitee: 42 });
        if (m.type === 10) auto.push(from, { type: 13, src: 0, group: 1 });
      },
    });
    const b = io("invite me\n/wait invitation\n/accept\n/wait dissolved\n/create -d bob 99\n/create bob\n/invite\n/frobnicate\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s)], b)).toBe(0);
    expect(b.stdout().split("\n").slice(1, -1)).toEqual([
      "* invitation from bob to group 2 (decentralized): /accept or /reject",
      "* you joined group 2 (decentralized)",
      "* group 2 dissolved; back in the public group",
    ]);
    expect(b.stderr().split("\n").slice(0, -1)).toEqual([
      '! no user "99" in the list',
      "! usage: /invite NAME",
      "! unknown command /frobnicate (try /help)",
    ]);
    const create = s.inbox.find((r) => r.m.type === 6 && r.m.ack === 0);
    expect(create?.m).toMatchObject({ mode: 0, invitees: [7] });
  });

  it("prints help", async () => {
    const s = await server();
    autoServer(s);
    const b = io("/help\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s)], b)).toBe(0);
    for (const cmd of ["/list", "/create [-d]", "/invite", "/accept", "/reject", "/leave", "/quit", "/help", "/wait", "/sleep"]) {
      expect(b.stdout()).toContain(cmd);
    }
  });

  it("times out a /wait with a warning and carries on", async () => {
    const s = await server();
    autoServer(s);
    const b = io("/wait nothing\n/sleep 10\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s), "--wait-timeout", "50"], b)).toBe(0);
    expect(b.stderr()).toBe('! timed out waiting for "nothing"\n');
  });

  it("exits 1 with one line on stderr when the connection is rejected", async () => {
    const s = await server();
    autoServer(s, { reject: 1 });
    const b = io("hello\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s)], b)).toBe(1);
    expect(b.stderr()).toBe('imp: connection rejected: username "alice" is taken or invalid\n');
    expect(b.stdout()).toBe("");
  });

  it("exits 1 when the server does not answer", async () => {
    const s = await server();
    const b = io("hello\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s), "--rto", "10", "--retries", "2"], b)).toBe(1);
    expect(b.stderr()).toMatch(/^imp: server 127\.0\.0\.1:\d+ did not answer \(3 transmissions, 10 ms apart\)\n$/);
    expect(s.inbox).toHaveLength(3);
  });

  it("exits 1 when the server goes away during the session", async () => {
    const s = await server();
    autoServer(s, { onMessage: (m) => m.type === 5 && void s.transport.onDatagram(() => {}) });
    const b = io("hello\nsilence\n/sleep 1000\nnever\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s), "--rto", "20", "--retries", "2"], b)).toBe(1);
    expect(b.stderr()).toBe("! server not answering: disconnected\n");
  });

  it("exits 2 for bad options", async () => {
    for (const argv of [
      ["client"],
      ["client", "--name", "has space"],
      ["client", "--name", "waytoolong"],
      ["client", "--name", "a", "--rto", "0"],
      ["client", "--name", "a", "--retries", "-1"],
      ["client", "--name", "a", "--server", "host:99999"],
      ["client", "--name", "a", "--server", "a:b:c"],
    ]) {
      const b = io("");
      expect(await runCli(argv, b), argv.join(" ")).toBe(2);
      expect(b.stderr().length).toBeGreaterThan(0);
    }
  });

  it("shows received control characters escaped, never raw (no terminal escape injection)", async () => {
    expect(displayText("a\x1b[2Jb\nc\td\u009b")).toBe("a\\x1b[2Jb\\nc\td\\x9b");
    const s = await server();
    autoServer(s, {
      extra: [entry(7, "bob", 1, { ip: "10.0.0.7", port: 7007 })],
      onMessage: (m, from, auto) => {
        if (m.type === 5) auto.push(from, { type: 5, src: 7, group: 1, data: "\x1b]0;owned\x07two\nlines" });
      },
    });
    const b = io("x\n/wait bob\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s)], b)).toBe(0);
    expect(b.stdout()).toContain("[group 1] bob: \\x1b]0;owned\\x07two\\nlines\n");
  });

  it("escapes bidi controls, zero-width characters and line separators like the other control characters", async () => {
    const unsafe = [
      "\u202a",
      "\u202b",
      "\u202c",
      "\u202d",
      "\u202e",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u200e",
      "\u200f",
      "\u061c",
      "\u200b",
      "\u200c",
      "\u200d",
      "\u2060",
      "\ufeff",
      "\u2028",
      "\u2029",
    ];
    for (const c of unsafe) expect(displayText(`a${c}b`)).toBe(`a\\u{${c.charCodeAt(0).toString(16).padStart(4, "0")}}b`);
    // Ordinary non-ASCII text stays as it is (accents, other scripts, emoji, the Arabic letters around U+061C).
    expect(displayText("café Ωμέγα 日本 🙂 \u061b\u061d \u2027\u2030")).toBe("café Ωμέγα 日本 🙂 \u061b\u061d \u2027\u2030");
    const s = await server();
    autoServer(s, {
      extra: [entry(7, "bob", 1, { ip: "10.0.0.7", port: 7007 })],
      onMessage: (m, from, auto) => {
        if (m.type === 5) auto.push(from, { type: 5, src: 7, group: 1, data: "pay \u202eevil\u202c to \u200bbob\u2028next line" });
      },
    });
    const b = io("x\n/wait bob\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s)], b)).toBe(0);
    const out = b.stdout();
    expect(out).toContain("[group 1] bob: pay \\u{202e}evil\\u{202c} to \\u{200b}bob\\u{2028}next line\n");
    expect(out).not.toMatch(/[\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/);
  });

  it("warns when a decentralized group has nobody else to send to", async () => {
    const s = await server();
    autoServer(s, {
      onMessage: (m, from, auto) => {
        if (m.type === 5 && m.data === "go") auto.push(from, { type: 9, src: 9, group: 0, mode: 1, invite_group: 4, invitee: 42 });
      },
    });
    const b = io("go\n/wait invitation\n/accept\nalone\n");
    expect(await runCli(["client", "--name", "alice", "--server", at(s)], b)).toBe(0);
    expect(b.stderr()).toBe("! nobody else is in group 4\n");
  });

  it("an abort (the CLI's SIGINT) acts as /quit: the client disconnects", async () => {
    const s = await server();
    autoServer(s);
    const client = await connectClient({ name: "alice", server: s.address });
    const input = new Readable({ read() {} }); // a terminal nobody types into
    const abort = new AbortController();
    const done = runRepl({ client, input, out: () => {}, err: () => {}, signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    expect(await done).toBe(0);
    expect(s.inbox.filter((r) => r.m.ack === 0).map((r) => r.m.type)).toEqual([0, 3, 16]);
    expect(client.state).toBe("closed");
  });
});
