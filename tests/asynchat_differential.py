# SPDX-License-Identifier: MIT
"""Reference side of tests/asynchat_differential_test.cpp.

Reads cases from the file named by argv[1], runs each through CPython's own
asynchat.async_chat (3.11 or older: 3.12 removed the module) and writes the
event trace of each case to the file named by argv[2]. The C++ test runs the
same cases through asyncore::async_chat and compares the traces line by line.

Case format (one item per line):
    case <id>
    term <t>          the terminator set before the first read
    script <t> ...    terminators set, in turn, inside found_terminator
    chunk <hex>       one read's bytes (repeated; each at most 64 KiB)
    end
where <t> is "n" (None), "c<decimal>" (a count) or "x<hex>" (bytes; "x"
alone is b'').

Trace format: "case <id>", then "d <hex>" per collect_incoming_data call,
"t <t>" per found_terminator call (the terminator at that moment), "c" for
handle_close, "f <t>" for the terminator at the end, then "end".

One documented deviation of the C++ port is applied here so that the traces
can be compared: at end of stream, a partial delimiter that asynchat holds in
ac_in_buffer is delivered to collect_incoming_data before handle_close
(CPython drops it silently; spec section 5 item 12).
"""

import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import asynchat  # noqa: E402  (deprecated in 3.11, removed in 3.12)


def dec(t):
    if t == "n":
        return None
    if t[0] == "c":
        return int(t[1:])
    return bytes.fromhex(t[1:])


def enc(t):
    if t is None:
        return "n"
    if isinstance(t, int):
        return "c%d" % t
    return "x" + bytes(t).hex()


class FakeSocket:
    """Hands out one chunk per recv(), then end of stream."""

    def __init__(self, chunks):
        self.chunks = list(chunks)

    def recv(self, n):
        if self.chunks:
            chunk = self.chunks.pop(0)
            assert len(chunk) <= n
            return chunk
        return b""

    def close(self):
        pass


class Channel(asynchat.async_chat):
    def __init__(self, out, script):
        asynchat.async_chat.__init__(self, sock=None, map={})
        self.out = out
        self.script = script
        self.k = 0

    def collect_incoming_data(self, data):
        self.out.append("d " + bytes(data).hex())

    def found_terminator(self):
        self.out.append("t " + enc(self.get_terminator()))
        if self.script:
            self.set_terminator(self.script[self.k % len(self.script)])
            self.k += 1

    def handle_close(self):
        if self.ac_in_buffer:  # the C++ port's fix, see the docstring
            held, self.ac_in_buffer = self.ac_in_buffer, b""
            self.collect_incoming_data(held)
        self.out.append("c")
        self.close()


def run(case, out):
    ch = Channel(out, case["script"])
    ch.set_terminator(case["term"])
    ch.socket = FakeSocket(case["chunks"])
    for _ in range(len(case["chunks"]) + 1):  # every chunk, then the EOF read
        ch.handle_read()
    out.append("f " + enc(ch.get_terminator()))


def main():
    cases = []
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "case":
                cur = {"id": parts[1], "term": None, "script": [], "chunks": []}
            elif parts[0] == "term":
                cur["term"] = dec(parts[1])
            elif parts[0] == "script":
                cur["script"] = [dec(p) for p in parts[1:]]
            elif parts[0] == "chunk":
                cur["chunks"].append(bytes.fromhex(parts[1]) if len(parts) > 1 else b"")
            elif parts[0] == "end":
                cases.append(cur)
    out = []
    for case in cases:
        out.append("case " + case["id"])
        run(case, out)
        out.append("end")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
