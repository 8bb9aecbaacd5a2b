#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TLS peers for tests/tls_test.cpp, on Python's ssl module (OpenSSL).

  peer.py echo-server --cert C --key K [--ca CA] [--require-client] [--send-first TEXT]
      listens on 127.0.0.1:0, prints "PORT n", echoes every connection; prints
      per connection "HANDSHAKE_FAIL reason", or "CLOSED clean" (the client's
      close_notify came and was answered) / "CLOSED eof" / "CLOSED error ...".
      --send-first: sends TEXT, then close_notify, without echoing.
      Runs until its stdin closes.
  peer.py clients --port P --ca CA [--name N] --count N --size S [--cert C --key K] [--seed X]
      N concurrent clients, each sends S random bytes in random chunks and
      reads the echo back in random chunks; each prints "OK i" or "FAIL i why";
      then closes with close_notify. Exit status 0 when all passed.
  peer.py starttls-server --cert C --key K
      one connection: "220 ready" / "STARTTLS" / "220 go" in plain text,
      then TLS (server side) and a line echo; prints "PORT n", "STARTTLS ok".
  peer.py https-server --cert C --key K
      HTTPS on 127.0.0.1:0: GET /hello answers "hello over https" (200,
      Content-Length), anything else 404; prints "PORT n".
  peer.py half-record --port P --ca CA
      completes the handshake, then sends half of one application data
      record and waits; prints "HANDSHAKE ok", then "CUT" when closed on.
  peer.py bad --port P --mode garbage|truncated|stall
      a peer that sends garbage, half a ClientHello then closes, or half a
      ClientHello then waits; prints "CUT" once the server closed on it.
Every socket operation has a timeout (20 s): nothing here can hang a test.
"""
import argparse
import os
import random
import select
import socket
import ssl
import sys
import threading

TIMEOUT = 20.0
out_lock = threading.Lock()


def say(*words):
    with out_lock:
        sys.stdout.write(" ".join(str(w) for w in words) + "\n")
        sys.stdout.flush()


def exit_on_stdin_eof():
    def run():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)
    threading.Thread(target=run, daemon=True).start()


def server_context(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.ca:
        ctx.load_verify_locations(a.ca)
    if a.require_client:
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def listen():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    return ls


def echo_conn(ctx, raw, send_first):
    raw.settimeout(TIMEOUT)
    try:
        s = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError) as e:
        say("HANDSHAKE_FAIL", getattr(e, "reason", None) or e)
        raw.close()
        return
    try:
        if send_first is not None:
            s.sendall(send_first.encode())
            s.unwrap()  # close_notify, and wait for the peer's
            say("CLOSED clean")
            s.close()
            return
        while True:
            data = s.recv(65536)
            if not data:
                break
            s.sendall(data)
        try:
            s.unwrap()
            say("CLOSED clean")
        except (ssl.SSLError, OSError) as e:
            say("CLOSED eof", e)
    except (ssl.SSLError, OSError) as e:
        say("CLOSED error", e)
    finally:
        s.close()


def echo_server(a):
    ctx = server_context(a)
    ls = listen()
    say("PORT", ls.getsockname()[1])
    exit_on_stdin_eof()
    while True:
        c, _ = ls.accept()
        threading.Thread(target=echo_conn, args=(ctx, c, a.send_first), daemon=True).start()


def echo_exchange(s, data, send_rnd, recv_rnd):
    """Sends `data` over the ssl socket `s` in random pieces (sizes from
    send_rnd) and reads the echo back in random pieces (from recv_rnd) until
    all of it came or the stream ended; returns what came back. One thread:
    it reads whatever is there after each piece, so neither side's buffers
    fill up. Also used by tests/tls/example_peers.py."""
    got = bytearray()
    k = 0
    while len(got) < len(data):
        if k < len(data):
            n = send_rnd.randint(1, 20000)
            s.sendall(data[k:k + n])
            k += n
            if not (s.pending() or select.select([s], [], [], 0)[0]):
                continue
        chunk = s.recv(recv_rnd.randint(1, 20000))
        if not chunk:
            break
        got += chunk
    return got


def one_client(a, i, results):
    rnd = random.Random(a.seed * 1000 + i)
    data = rnd.randbytes(a.size)
    ctx = ssl.create_default_context(cafile=a.ca)
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    try:
        raw = socket.create_connection(("127.0.0.1", a.port), timeout=TIMEOUT)
        s = ctx.wrap_socket(raw, server_hostname=a.name)
        # One thread per socket: an SSLSocket must not be read and written
        # from two threads at once. Send a random piece, read what is there
        # (in random pieces), until the whole echo came back.
        rr = random.Random(a.seed * 7 + i)
        got = echo_exchange(s, data, rnd, rr)
        if bytes(got) != data:
            results[i] = "FAIL %d echo differs (%d of %d bytes)" % (i, len(got), len(data))
            return
        s.unwrap()
        s.close()
        results[i] = "OK %d" % i
    except Exception as e:  # noqa: BLE001 - the test reads the reason
        results[i] = "FAIL %d %s" % (i, getattr(e, "reason", None) or e)


def clients(a):
    results = [None] * a.count
    ts = [threading.Thread(target=one_client, args=(a, i, results)) for i in range(a.count)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for r in results:
        say(r)
    sys.exit(0 if all(r and r.startswith("OK") for r in results) else 1)


def starttls_server(a):
    ctx = server_context(a)
    ls = listen()
    say("PORT", ls.getsockname()[1])
    exit_on_stdin_eof()
    c, _ = ls.accept()
    c.settimeout(TIMEOUT)
    c.sendall(b"220 ready\r\n")
    line = b""
    while not line.endswith(b"\r\n"):
        b = c.recv(1)
        if not b:
            say("STARTTLS no command")
            return
        line += b
    if line != b"STARTTLS\r\n":
        say("STARTTLS bad command", line)
        return
    c.sendall(b"220 go\r\n")
    try:
        s = ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError) as e:
        say("STARTTLS handshake failed", e)
        return
    say("STARTTLS ok")
    while True:
        data = s.recv(65536)
        if not data:
            break
        s.sendall(data)
    try:
        s.unwrap()
        say("CLOSED clean")
    except (ssl.SSLError, OSError) as e:
        say("CLOSED eof", e)
    os._exit(0)  # the stdin thread still reads: leave without joining it


def https_server(a):
    import http.server

    class handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the module's name
            body = b"hello over https\n" if self.path == "/hello" else b"not found\n"
            self.send_response(200 if self.path == "/hello" else 404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = server_context(a).wrap_socket(httpd.socket, server_side=True)
    say("PORT", httpd.server_address[1])
    exit_on_stdin_eof()
    httpd.serve_forever()


def client_hello():
    ctx = ssl.create_default_context()
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()


def half_record(a):
    ctx = ssl.create_default_context(cafile=a.ca)
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_hostname=a.name)
    s = socket.create_connection(("127.0.0.1", a.port), timeout=TIMEOUT)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(o.read())
            data = s.recv(65536)
            if not data:
                say("NO HANDSHAKE")
                sys.exit(1)
            i.write(data)
    s.sendall(o.read())
    say("HANDSHAKE ok")
    obj.write(b"x" * 1000)
    record = o.read()
    s.sendall(record[: len(record) // 2])
    try:
        while s.recv(4096):
            pass
        say("CUT")
    except (ConnectionResetError, socket.timeout):
        say("CUT")


def bad(a):
    s = socket.create_connection(("127.0.0.1", a.port), timeout=TIMEOUT)
    if a.mode == "garbage":
        s.sendall(b"\x17\x03\x03\x00\x10" + random.Random(1).randbytes(4096))
    else:
        hello = client_hello()
        s.sendall(hello[: len(hello) // 2])
        if a.mode == "truncated":
            s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(4096):
            pass
        say("CUT")
    except ConnectionResetError:
        say("CUT")
    except socket.timeout:
        say("NOT CUT")
        sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode_name")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca")
    p.add_argument("--require-client", action="store_true")
    p.add_argument("--send-first")
    p.add_argument("--port", type=int)
    p.add_argument("--name", default="localhost")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mode")
    a = p.parse_args()
    {"echo-server": echo_server, "clients": clients, "starttls-server": starttls_server, "bad": bad,
     "https-server": https_server, "half-record": half_record}[a.mode_name](a)


if __name__ == "__main__":
    main()
