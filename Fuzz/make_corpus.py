#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus from Protocols/vectors/events.json.

One file per vector (its frames joined by 0x1F), plus inputs of several messages (joined by 0x1E):
every accepted vector in order, and the accepted vectors of each case together, so the engine's
corrections, voids and redeliveries are reachable from the start.
"""
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with open(os.path.join(root, "Protocols", "vectors", "events.json"), encoding="utf-8") as f:
    vectors = json.load(f)["vectors"]


def frames_of(vector):
    if "frames_hex" in vector:
        return [bytes.fromhex(frame) for frame in vector["frames_hex"]]
    return [frame.encode("utf-8") for frame in vector["frames"]]


messages = []
for index, vector in enumerate(vectors):
    message = b"\x1f".join(frames_of(vector))
    messages.append((vector, message))
    with open(os.path.join(out, "vector-%03d" % index), "wb") as f:
        f.write(message)

accepted = [(v, m) for v, m in messages if v["expect"] == "accepted"]
with open(os.path.join(out, "all-accepted"), "wb") as f:
    f.write(b"\x1e".join(m for _, m in accepted))
with open(os.path.join(out, "all-accepted-twice"), "wb") as f:
    f.write(b"\x1e".join(m for _, m in accepted + accepted))
by_case = {}
for vector, message in accepted:
    by_case.setdefault(vector["event"]["case"], []).append(message)
for index, (case, group) in enumerate(sorted(by_case.items())):
    if len(group) > 1:
        with open(os.path.join(out, "case-%03d" % index), "wb") as f:
            f.write(b"\x1e".join(group))
mixed = [m for _, m in messages[::7]]
with open(os.path.join(out, "mixed"), "wb") as f:
    f.write(b"\x1e".join(mixed))
print("%d seeds in %s" % (len(os.listdir(out)), out))
