/** The interfaces libpcap can capture on (`imp sniff -D`, like `tshark -D`). */
import { LiveCaptureError } from "./errors.js";
import { loadCap, type CapLoader } from "./load-cap.js";

export interface LiveInterface {
  /** 1-based position in libpcap's list. */
  index: number;
  name: string;
  /** libpcap's description, or "Loopback" for a loopback interface without one. */
  description?: string;
  loopback: boolean;
  /** IPv4 and IPv6 addresses. */
  addresses: string[];
}

export async function listInterfaces(loader: CapLoader = loadCap): Promise<LiveInterface[]> {
  const cap = await loader();
  let devices;
  try {
    devices = cap.deviceList();
  } catch (e) {
    throw new LiveCaptureError("open-failed", `cannot list the interfaces: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return devices.map((d, i) => {
    const loopback = d.flags === "PCAP_IF_LOOPBACK";
    const description = d.description ?? (loopback ? "Loopback" : undefined);
    return {
      index: i + 1,
      name: d.name,
      ...(description === undefined ? {} : { description }),
      loopback,
      addresses: d.addresses.flatMap((a) => (a.addr ? [a.addr] : [])),
    };
  });
}

/** One line per interface: "3. lo (Loopback): 127.0.0.1, ::1". */
export function formatInterfaces(list: readonly LiveInterface[]): string {
  return list
    .map(
      (i) =>
        `${i.index}. ${i.name}${i.description ? ` (${i.description})` : ""}${i.addresses.length > 0 ? `: ${i.addresses.join(", ")}` : ""}\n`,
    )
    .join("");
}
