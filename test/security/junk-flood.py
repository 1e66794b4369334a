"""A junk flood for the security suite, in its own process and in Python (Node's dgram sends
about 26 000 datagrams a second, too few to stand for the red team's 146 000): one UDP socket
sends 5-byte datagrams of a reserved type (0x11) to 127.0.0.1:PORT at RATE a second (paced in
1 ms steps; 0: as fast as it can) for SECONDS, then prints {"sent": N, "seconds": S}.

    python3 test/security/junk-flood.py PORT SECONDS RATE
"""
import json
import socket
import sys
import time

port, seconds, rate = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
if not (0 < port < 65536 and 0 < seconds <= 60 and 0 <= rate <= 1_000_000):
    sys.exit("usage: junk-flood.py PORT SECONDS(<=60) RATE(<=1000000)")
junk = bytes([0x11 << 3, 0, 0, 0, 5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
send = s.send
sent = 0
t0 = time.perf_counter()
end = t0 + seconds
step = 0.001
per_step = rate * step if rate else 10_000
due = t0
while True:
    now = time.perf_counter()
    if now >= end:
        break
    if rate and now < due:
        time.sleep(min(due - now, step))
        continue
    for _ in range(int(per_step)):
        try:
            send(junk)
        except OSError:  # ICMP port unreachable from an earlier datagram, or a full buffer
            pass
        sent += 1
    due += step
print(json.dumps({"sent": sent, "seconds": time.perf_counter() - t0}), flush=True)
