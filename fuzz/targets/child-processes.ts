/**
 * The child processes targets start (bundled targets, `--exec` commands), tracked so that none
 * outlives the fuzzer: each is killed, with its whole process group when it has one (an --exec
 * command runs in a shell, in a group of its own), when the target stops it, when it exits (what
 * it left in its group goes with it), and when the fuzzer's process exits, whatever the path
 * (end of the command, error, process.exit on a signal or an internal error: the "exit" hook
 * below runs on every one of them).
 */
import type { ChildProcess } from "node:child_process";

interface Tracked {
  child: ChildProcess;
  /** Leader of a process group of its own (spawned detached): the group is killed. */
  group: boolean;
}

const tracked = new Set<Tracked>();
let hooked = false;

function signalTo(t: Tracked, signal: NodeJS.Signals): void {
  const pid = t.child.pid;
  if (pid === undefined) return;
  try {
    if (t.group) process.kill(-pid, signal);
    else if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill(signal);
  } catch {
    // Already gone (ESRCH).
  }
}

/** Kills every tracked child (and group) at once, synchronously; what the exit hook runs. */
export function killAllChildren(signal: NodeJS.Signals = "SIGKILL"): void {
  for (const t of tracked) signalTo(t, signal);
}

/** Tracks `child` until it exits; `group`: it leads a process group of its own (spawned detached). */
export function trackChild(child: ChildProcess, group: boolean): void {
  const t: Tracked = { child, group };
  tracked.add(t);
  child.once("exit", () => {
    // A shell that exits may leave what it started running in its group: that goes too.
    if (group) signalTo(t, "SIGKILL");
    tracked.delete(t);
  });
  if (!hooked) {
    hooked = true;
    process.on("exit", () => killAllChildren());
  }
}

/** Kills `child` (its group when it leads one) and waits for its exit, at most `boundMs`. */
export async function killChild(child: ChildProcess, group: boolean, signal: NodeJS.Signals = "SIGKILL", boundMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    if (group) signalTo({ child, group }, "SIGKILL");
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalTo({ child, group }, signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
  clearTimeout(timer);
}

/** How many tracked children are still running (tests). */
export function runningChildren(): number {
  return tracked.size;
}
