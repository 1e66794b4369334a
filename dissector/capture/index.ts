/**
 * Capture-file I/O for impkit: streaming pcap/pcapng readers, link/IP/UDP frame parsing, IP
 * fragment reassembly, and a pcap/pcapng writer that frames IMP datagrams as Ethernet/IPv4/UDP.
 *
 * Reading (streaming: read in 1 MiB chunks, never whole; packets are zero-copy views valid only
 * during the callback; no promise per packet):
 *   readCapture(source: string | AsyncIterable<Uint8Array>, onPacket: (p: CapturePacket) => void,
 *               options?: { chunkSize?: number }): Promise<CaptureSummary>
 *   const parser = new CaptureParser(onPacket); parser.push(chunk); ...; parser.end(): CaptureSummary
 *   CapturePacket: { frame (1-based), tsSec, tsNsec, interfaceId, linkType, capturedLength,
 *                    originalLength, data, offset (of the record/block in the file) }
 *   Formats: pcap (µs and ns magic, both byte orders), pcapng (SHB per section with its byte
 *   order, IDB with if_tsresol/if_tsoffset/if_name, EPB, SPB, obsolete PB; other blocks skipped).
 *   On damage: every packet before it is delivered, then CaptureFormatError { offset, message },
 *   e.g. "truncated packet record at byte 1234: header says 60 bytes, 12 remain" or
 *   "not a pcap or pcapng file (magic 0x47455420)". Nothing else is thrown for any bytes;
 *   file-system errors and errors thrown by onPacket pass through unchanged.
 *
 * Frames (separate from files; never throw, null for what is not IP/UDP):
 *   parseFrame(linkType: number, data: Uint8Array): UdpFrame | null
 *     link types: ETHERNET (stacked 802.1Q/802.1ad tags), LINUX_SLL, LINUX_SLL2, NULL (either
 *     byte order), LOOP, RAW/12/14, IPV4, IPV6; IPv4 (IHL, total length cuts padding, fragments),
 *     IPv6 (extension headers walked, fragment header); UDP length checked against the capture.
 *   UdpFrame: { ipVersion, src/dst: Endpoint { ip, port }, ipOffset, ipId, udpOffset, udpLength,
 *               payload (view), fragment: { moreFragments, offset, id, protocol } | null,
 *               truncated, vlanTags }
 *   new Ipv4Reassembler({ maxDatagrams?, maxBytes?, timeoutSec?, onGiveUp? })   (IPv4 and IPv6 fragments; flush() at the end)
 *     .push(frameNumber, udpFrame, tsSec?): ReassembledDatagram | null   (with .frames, .payload)
 *
 * Writing:
 *   createCaptureWriter({ format: "pcap" | "pcapng", path?, nanosecond?, mtu?, byteOrder?,
 *                         linkType?, snaplen?, interfaces?, link?, firstIpId? }): CaptureWriter
 *     .writeDatagram({ tsSec, tsNsec?, src: { ip, port }, dst: { ip, port }, payload }, iface?)
 *         -> frames written (IPv4 fragments, or IPv6 fragment headers, beyond `mtu`)
 *     .writeFrame(frame, { tsSec, tsNsec?, interfaceId?, originalLength? })   raw frames
 *     .flush(); .close(): Promise<void>; .bytes() (without `path`: the capture in memory)
 *   With `path` the file is written synchronously in blocks of 1 MiB (bounded memory).
 *   Lower level: buildUdpPackets, buildIpv4, buildIpv6, buildUdp, wrapLink, wrapEthernet,
 *   encodePcapHeader/Record, encodeShb/Idb/Epb/Spb/Pb/Block/Options, checksums.
 */
export { CaptureFormatError } from "./errors.js";
export { LinkType, linkTypeName } from "./link-type.js";
export { rawIpPacket, type CaptureInterface, type CapturePacket, type CaptureSummary, type PacketHandler } from "./packet.js";
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
export {
  addressBytes,
  buildIpv4,
  buildIpv6,
  buildIpv6Packets,
  buildUdp,
  buildUdpPackets,
  type ImpDatagram,
  type IpPacketOptions,
  type UdpEndpoint,
} from "./frame-builder.js";
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
export {
  Ipv4Reassembler,
  type GiveUpReason,
  type IncompleteDatagram,
  type ReassembledDatagram,
  type ReassemblyOptions,
} from "./ipv4-reassembly.js";
