/**
 * What a scenario script works with: one reference server and named clients on 127.0.0.1,
 * all recorded; helpers to wait for an event and for the traffic to settle.
 */
import { connectClient, type ImpClient } from "../client/client.js";
import type { ClientEvents } from "../client/events.js";
import { startServer, type ImpServer } from "../server/index.js";
import type { ServerOptions } from "../server/options.js";
import { openUdp } from "../transport/transport.js";
import type { Address } from "../transport/transport.js";
import { hashedLoss, Recorder, type LossRule } from "./recorder.js";

export interface ScenarioSettings {
  /** Server port (0: any free port). */
  port: number;
  rto: number;
  retries: number;
  inviteTimeoutMs: number;
  seed: number;
  /** Longest wait for any one event, in ms. */
  stepTimeoutMs: number;
}

export const DEFAULT_SETTINGS: ScenarioSettings = {
  port: 1313,
  rto: 500,
  retries: 5,
  inviteTimeoutMs: 15_000,
  seed: 1,
  stepTimeoutMs: 30_000,
};

export class ScenarioContext {
  readonly recorder = new Recorder();
  readonly clients = new Map<string, ImpClient>();
  server!: ImpServer;

  constructor(readonly settings: ScenarioSettings) {}

  async startServer(options: Partial<ServerOptions> = {}): Promise<ImpServer> {
    const transport = await openUdp({ host: "127.0.0.1", port: this.settings.port, tap: this.recorder.tap });
    this.server = await startServer({
      transport,
      rto: this.settings.rto,
      retries: this.settings.retries,
      inviteTimeoutMs: this.settings.inviteTimeoutMs,
      // The recorded sequences name client IDs: lowest free, not the server's default (random).
      idAllocation: "lowest",
      ...options,
    });
    return this.server;
  }

  /** Connects a client (Connection Request, Accept, ACK, list), then waits for the traffic to settle. */
  async connect(name: string): Promise<ImpClient> {
    const client = await connectClient({
      name,
      server: { ip: "127.0.0.1", port: this.server.address.port },
      rto: this.settings.rto,
      retries: this.settings.retries,
      inviteTimeoutMs: 0,
      tap: this.recorder.tap,
    });
    this.clients.set(name, client);
    await this.settle();
    return client;
  }

  client(name: string): ImpClient {
    const c = this.clients.get(name);
    if (!c) throw new Error(`scenario has no client ${name}`);
    return c;
  }

  /** Resolves with the next `event` of a client (bounded by the step timeout). */
  next<K extends keyof ClientEvents>(name: string, event: K): Promise<ClientEvents[K]> {
    const client = this.client(name);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: no ${String(event)} within ${this.settings.stepTimeoutMs} ms`)),
        this.settings.stepTimeoutMs,
      );
      client.once(event, (payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
  }

  /** Name of an endpoint of this scenario ("server", a client's name, or "ip:port"). */
  nameOf(a: Address): string {
    if (this.server && a.port === this.server.address.port) return "server";
    for (const [name, c] of this.clients) if (c.local.port === a.port) return name;
    return `${a.ip}:${a.port}`;
  }

  /** Seeded loss with probability `p` on every path, the same datagrams on every run. */
  loss(p: number): LossRule {
    return hashedLoss(this.settings.seed, p, (a) => this.nameOf(a));
  }

  /** Waits until every client has nothing outstanding and no datagram has moved for `quietMs`. */
  async settle(quietMs = 60): Promise<void> {
    const deadline = performance.now() + this.settings.stepTimeoutMs;
    for (;;) {
      await Promise.all([...this.clients.values()].map((c) => c.idle()));
      const idleFor = performance.now() - this.recorder.lastActivity;
      if (idleFor >= quietMs) return;
      if (performance.now() > deadline) throw new Error("scenario traffic did not settle");
      await new Promise((r) => setTimeout(r, quietMs - idleFor + 1));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    await this.server?.close();
  }
}
