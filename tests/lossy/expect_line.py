#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""expect_line.py: runs a command until a line of its output matches.

    expect_line.py --match REGEX [--fail REGEX] --within SECONDS -- CMD [ARGS...]

Starts CMD (its stdout and stderr merged), echoes every line it prints with
the time since the start ("  [1.52 s] connecting to ..."), and stops as soon
as a line matches --match (exit 0), a line matches --fail (exit 1), CMD ends
(exit 1), or --within seconds have passed (exit 1). The last line it prints
is always

    elapsed SECONDS

(the time of the matching line, or of the stop), for the caller to check.
CMD is then stopped: SIGTERM, and SIGKILL 3 s later if it has not exited.
"""
import argparse
import os
import re
import selectors
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--match", required=True)
    ap.add_argument("--fail")
    ap.add_argument("--within", type=float, required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command")
    match = re.compile(args.match)
    bad = re.compile(args.fail) if args.fail else None

    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    os.set_blocking(proc.stdout.fileno(), False)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    status, why, at = 1, f"no line matched within {args.within:g} s", None
    done = False
    while not done:
        left = t0 + args.within - time.monotonic()
        if left <= 0:
            break
        if not sel.select(left):
            continue
        chunk = proc.stdout.read()
        if chunk is None:
            continue
        if not chunk:
            why = f"the command exited (status {proc.wait()}) before a line matched"
            break
        buf += chunk
        while b"\n" in buf and not done:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode(errors="replace")
            now = time.monotonic() - t0
            print(f"  [{now:.2f} s] {line}", flush=True)
            if match.search(line):
                status, why, at, done = 0, None, now, True
            elif bad and bad.search(line):
                why, at, done = f"a line matched the failure pattern: {line}", now, True
    if why:
        print(f"  {why}", flush=True)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"elapsed {at if at is not None else time.monotonic() - t0:.2f}", flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
