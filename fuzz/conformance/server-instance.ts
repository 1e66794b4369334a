/**
 * One server under test: at udp://host:port, or started (and restarted) with `--exec` on a free
 * port, in a process group of its own that never outlives impkit (fuzz/targets/child-processes.ts).
 * Ready once a probe client connects, gets its list and disconnects (every 50 ms, no fixed sleep),
 * so no probe stays connected to disturb the cases. The probe is lenient (any answer of the right
 * type will do, whatever its Sequence bit): a server that breaks a rule is still tested, and the
 * cases say which rule.
 */
import { MSG } from "../../src/protocol/index.js";
import { TestClient } from "./test-client.js";
import { freeUdpPort, parseTargetUrl, resolveHost } from "../targets/remote.js";
import { TargetError, type BarrierResult, type TargetCapabilities } from "../targets/target.js";
import { stderrGist, UdpTarget } from "../targets/udp-target.js";

export class ServerInstance extends UdpTarget {
  readonly name: string;
  readonly role = "server" as const;
  readonly capabilities: TargetCapabilities;
  private probes = 0;

  constructor(
    private readonly url: string,
    private readonly exec: string | undefined,
    private readonly startMs = 15_000,
  ) {
    super(0);
    this.address = parseTargetUrl(url, exec !== undefined);
    this.name = exec ? `${url} (exec)` : url;
    this.capabilities = { debug: false, virtualClock: false, restartable: exec !== undefined, coverage: false };
  }

  get spec(): { target: string; exec?: string } {
    return { target: this.url, ...(this.exec !== undefined ? { exec: this.exec } : {}) };
  }

  async open(): Promise<void> {
    this.address = { ...this.address, ip: await resolveHost(this.address.ip) };
    if (this.exec !== undefined && (this.address.port === 0 || this.probes > 0)) await this.startOnFreePort();
    else await this.start();
  }

  /**
   * Starts the command on a port that was free a moment ago. Another process may bind it before
   * the command does: on EADDRINUSE at start-up, again on another port (3 tries at most).
   */
  private async startOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.address = { ...this.address, port: await freeUdpPort() };
      try {
        await this.start();
        return;
      } catch (e) {
        const taken = e instanceof TargetError && this.exit !== null && /EADDRINUSE|address already in use/i.test(this.exit.stderr ?? "");
        if (!taken || attempt >= 3) throw e;
        await this.stopChild();
      }
    }
  }

  private async start(): Promise<void> {
    if (this.exec !== undefined) {
      await this.startChild({ command: this.exec.replaceAll("{port}", String(this.address.port)), args: [], shell: true }, null);
    }
    const end = Date.now() + (this.exec !== undefined ? this.startMs : 3000);
    while (!(await this.probe(200))) {
      if (this.exit)
        throw new TargetError(
          `${this.name} exited during start-up (${this.exit.signal ?? `code ${this.exit.code}`})${stderrGist(this.exit.stderr)}`,
        );
      if (Date.now() > end)
        throw new TargetError(
          `${this.name} does not answer: no Connection Accept and User List Response within ${(this.exec !== undefined ? this.startMs : 3000) / 1000} s (${this.exec !== undefined ? "does the --exec command start an IMP server on {port}?" : "is an IMP server listening there?"})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A fresh client connects, lists and disconnects, each within `timeoutMs`. */
  async probe(timeoutMs = 500): Promise<boolean> {
    const t0 = performance.now();
    const log = { record: () => {}, now: () => performance.now() - t0 };
    const p = await TestClient.open(this.address, `imprb${this.probes++ % 100}`, 0, log);
    try {
      const m = await p.connect(timeoutMs);
      return m?.type === MSG.connAccept && (await p.list(timeoutMs)) !== null && (await p.disconnect(timeoutMs));
    } finally {
      p.close();
    }
  }

  async barrier(timeoutMs = 500): Promise<BarrierResult> {
    if (this.exit) return { ok: false, reason: "exited" };
    return (await this.probe(timeoutMs)) ? { ok: true } : { ok: false, reason: `no answer to a probe client within ${timeoutMs} ms` };
  }

  /** Starts the command again on a new free port (nothing of the last case reaches the next). */
  async restart(): Promise<void> {
    if (this.exec === undefined) throw new Error(`${this.name} cannot be restarted without --exec`);
    await this.stopChild();
    await this.startOnFreePort();
  }
}
