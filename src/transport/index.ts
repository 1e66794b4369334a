export { addressKey, openUdp, type Address, type DatagramTransport, type Direction, type Tap, type UdpOptions } from "./transport.js";
