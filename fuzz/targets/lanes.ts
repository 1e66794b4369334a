/**
 * Lanes: several stateful cases at once against one target, each lane with its own four
 * sockets (its own fuzz clients, with their own names), so the round trips of one case overlap
 * those of the others. Barriers, the debug channel and the virtual clock stay shared; datagrams
 * are handed to the lane that owns the socket they arrived on.
 */
import type { Address } from "../../src/transport/index.js";
import type { BarrierResult, Datagram, ExitInfo, Target, TargetCapabilities, TargetSpec } from "./target.js";

export class Lanes {
  readonly views: LaneView[];
  private readonly inboxes: Datagram[][];

  constructor(
    readonly base: Target,
    count: number,
    readonly per = 4,
  ) {
    if (count * per > base.socketCount)
      throw new Error(`${count} lanes of ${per} sockets need ${count * per} sockets, ${base.socketCount} open`);
    this.inboxes = Array.from({ length: count }, () => []);
    this.views = Array.from({ length: count }, (_, k) => new LaneView(this, k));
  }

  /** Moves what the target sent into the inbox of the lane that owns each socket. */
  pull(): void {
    for (const d of this.base.receive()) {
      const lane = Math.floor(d.socket / this.per);
      this.inboxes[lane]?.push({ ...d, socket: d.socket - lane * this.per });
    }
  }

  take(lane: number): Datagram[] {
    this.pull();
    const box = this.inboxes[lane]!;
    if (box.length === 0) return [];
    this.inboxes[lane] = [];
    return box;
  }

  clear(): void {
    this.base.receive();
    for (let k = 0; k < this.inboxes.length; k++) this.inboxes[k] = [];
  }
}

class LaneView implements Target {
  readonly socketCount: number;
  private readonly offset: number;

  constructor(
    private readonly lanes: Lanes,
    readonly lane: number,
  ) {
    this.socketCount = lanes.per;
    this.offset = lane * lanes.per;
  }

  get name(): string {
    return `${this.lanes.base.name} lane ${this.lane}`;
  }
  get role(): "server" | "client" {
    return this.lanes.base.role;
  }
  get spec(): TargetSpec {
    return this.lanes.base.spec;
  }
  get capabilities(): TargetCapabilities {
    return { ...this.lanes.base.capabilities, restartable: false };
  }
  get logging(): boolean {
    return false;
  }
  set logging(_v: boolean) {
    /* lanes never log */
  }
  get address(): Address {
    return this.lanes.base.address;
  }
  async open(): Promise<void> {}
  socketAddress(socket: number): Address {
    return this.lanes.base.socketAddress(this.offset + socket);
  }
  send(socket: number, bytes: Uint8Array): void {
    this.lanes.base.send(this.offset + socket, bytes);
  }
  receive(): Datagram[] {
    return this.lanes.take(this.lane);
  }
  barrier(timeoutMs?: number): Promise<BarrierResult> {
    return this.lanes.base.barrier(timeoutMs);
  }
  alive(): Promise<boolean> {
    return this.lanes.base.alive();
  }
  exitInfo(): ExitInfo | null {
    return this.lanes.base.exitInfo();
  }
  async restart(): Promise<void> {
    throw new Error("a lane does not restart its target");
  }
  advance(ms: number): Promise<BarrierResult> {
    return this.lanes.base.advance!(ms);
  }
  takeLog(): Datagram[] {
    return [];
  }
  async close(): Promise<void> {}
}
