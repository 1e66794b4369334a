/**
 * Capture-file I/O for impkit: streaming pcap/pcapng readers, link/IP/UDP frame parsing, IPv4
 * reassembly, and a pcap/pcapng writer that frames IMP datagrams as Ethernet/IPv4/UDP.
 *
 * Reading (streaming; a file is never read whole; packets are zero-copy views valid only
 * during the callback):
 *   readCapture(pathOrStream, onPacket, { chunkSize? }): Promise<CaptureSummary>
 *   new CaptureParser(onPacket).push(chunk) ... .end(): CaptureSummary   (push parser)
 *   On damage: every packet before it is delivered, then CaptureFormatError { offset, message }.
 *   Nothing else is ever thrown for any bytes (fs errors and onPacket's own errors pass through).
 *
 * Frames:
 *   parseFrame(linkType, data): UdpFrame | null     (Ethernet+VLAN, SLL, SLL2, NULL, LOOP, raw IP)
 *   new Ipv4Reassembler(options).push(frameNumber, udpFrame): ReassembledDatagram | null
 *
 * Writing:
 *   createCaptureWriter({ format: "pcap" | "pcapng", path?, nanosecond?, mtu?, byteOrder?,
 *     linkType?, interfaces?, link? }): CaptureWriter
 *     .writeDatagram({ tsSec, tsNsec, src: { ip, port }, dst: { ip, port }, payload }): frames
 *     .writeFrame(frame, { tsSec, tsNsec, interfaceId?, originalLength? })
 *     .close(): Promise<void>; .bytes() (memory output)
 *   Lower level: buildUdpPackets, wrapLink, encodePcapHeader/Record, encodeShb/Idb/Epb/Spb/Pb/Block.
 */
export { CaptureFormatError } from "./errors.js";
export { LinkType, linkTypeName } from "./link-type.js";
export type { CaptureInterface, CapturePacket, CaptureSummary, PacketHandler } from "./packet.js";
export { CaptureParser } from "./capture-parser.js";
export { readCapture, type CaptureSource, type ReadCaptureOptions } from "./read-capture.js";

export { parseFrame, IP_PROTOCOL_UDP, type FragmentInfo, type UdpFrame } from "./parse-frame.js";
export { Endpoint } from "./endpoint.js";
export { locateIp, type IpLocation } from "./link-layer.js";
export { parseIpv4 as parseIpv4Header, parseIpv6 as parseIpv6Header, type IpHeader } from "./ip.js";
export { parseUdpHeader, type UdpHeader } from "./udp.js";
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "./ip-address.js";
export { ipv4HeaderChecksum, udpChecksum } from "./checksum.js";

export { createCaptureWriter, type CaptureWriter, type CaptureWriterOptions, type FrameMeta } from "./capture-writer.js";
export { addressBytes, buildIpv4, buildIpv6, buildUdp, buildUdpPackets, type ImpDatagram, type IpPacketOptions, type UdpEndpoint } from "./frame-builder.js";
export { EtherType, macFromIp, wrapEthernet, wrapLink, type LinkOptions, type VlanTag } from "./link-builder.js";
export { encodePcapHeader, encodePcapRecord, type PcapHeaderOptions } from "./pcap-writer.js";
export {
  encodeBlock,
  encodeEpb,
  encodeIdb,
  encodeOptions,
  encodePb,
  encodeShb,
  encodeSpb,
  type InterfaceSpec,
  type PacketBlockInput,
  type PcapngOption,
} from "./pcapng-writer.js";
export { BlockType, OptionCode } from "./pcapng-blocks.js";
export { Ipv4Reassembler, type ReassembledDatagram, type ReassemblyOptions } from "./ipv4-reassembly.js";
