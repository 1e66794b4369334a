/** A UDP address a command cannot listen on, as one CLI sentence; checked before a screen opens. */
import dgram from "node:dgram";
import { CliError } from "./errors.js";

/** Why binding `ip:port` failed, as one CliError (exit 2). */
export function listenError(address: { ip: string; port: number }, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === "EADDRINUSE"
      ? "address in use"
      : code === "EADDRNOTAVAIL"
        ? "no such local address"
        : code === "EACCES"
          ? "permission denied"
          : code === "ENOTFOUND" || code === "EAI_AGAIN"
            ? "unknown host"
            : (code ?? (e instanceof Error ? e.message : String(e)));
  return new CliError(`cannot listen on ${address.ip}:${address.port}: ${why}`);
}

/** Binds a UDP socket on `address` and closes it again: CliError now when it cannot be bound. */
export async function checkListen(address: { ip: string; port: number }): Promise<void> {
  const socket = dgram.createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(address.port, address.ip, () => resolve());
    });
  } catch (e) {
    throw listenError(address, e);
  } finally {
    socket.close();
  }
}
