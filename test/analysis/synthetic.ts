/**
 * A long synthetic capture for the memory and speed measurements: `clients` clients chat
 * through the server (data, server ACK, relay to the next client, its ACK), every 50th data
 * message lost once and retransmitted. Decoded datagrams are made once and shared: the analyzer
 * must not keep them, and the measurement is then of the analyzer alone.
 */
import { decode, encode, type Decoded } from "../../src/codec/index.js";
import type { AnalysisInput, Endpoint } from "../../dissector/analysis/index.js";

export function syntheticCapture(clients = 10): (frame: number) => AnalysisInput {
  const server: Endpoint = { ip: "127.0.0.1", port: 1313 };
  const eps: Endpoint[] = Array.from({ length: clients }, (_, i) => ({ ip: "127.0.0.1", port: 40000 + i }));
  const ids = Array.from({ length: clients }, (_, i) => (i * 37 + 11) % 255 || 1);
  const data: Decoded[][] = ids.map((id) => [0, 1].map((seq) => decode(encode({ type: 5, seq, src: id, group: 1, data: "hello, world" }))));
  const ack: Decoded[][] = [0, 1].map((seq) => [0, ...ids].map((src) => decode(encode({ type: 5, seq, ack: 1, src }))));
  // Per-direction alternating bit: client -> server and server -> client.
  const up = new Uint8Array(clients);
  const down = new Uint8Array(clients);
  let step = 0;
  let message = 0;
  let k = 0;
  let j = 1;
  let time = 0;
  let lostOnce = false;
  return (frame) => {
    time += 0.0001;
    let input: AnalysisInput;
    switch (step) {
      case 0: {
        // client k -> server (S flips unless this is the retransmission of a lost one)
        if (!lostOnce) up[k] = up[k]! ^ 1;
        input = { frame, time, src: eps[k]!, dst: server, decoded: data[k]![up[k]!]! };
        if (!lostOnce && message % 50 === 49) {
          lostOnce = true;
          return input; // step stays 0: the same message again
        }
        lostOnce = false;
        step = 1;
        return input;
      }
      case 1:
        input = { frame, time, src: server, dst: eps[k]!, decoded: ack[up[k]!]![0]! };
        step = 2;
        return input;
      case 2:
        j = (k + 1) % clients;
        down[j] = down[j]! ^ 1;
        input = { frame, time, src: server, dst: eps[j]!, decoded: data[k]![down[j]!]! };
        step = 3;
        return input;
      default:
        input = { frame, time, src: eps[j]!, dst: server, decoded: ack[down[j]!]![j + 1]! };
        step = 0;
        message++;
        k = (k + 1) % clients;
        return input;
    }
  };
}
