#!/usr/bin/env python3
"""hostile_tls_server.py: a TLS server that misbehaves on purpose, for hcload's TLS tests.

Faults no real server produces on demand: bytes that are not TLS where a handshake or a record
belongs, and a response too large for any client to keep. Each connection is served on its own
thread; the server reads one request before it misbehaves, so each fault hits a request in
flight.

Usage: hostile_tls_server.py MODE CERT KEY PORT_FILE
  handshake  answer the ClientHello with bytes that are not TLS, then close
  record     finish the handshake, read a request, then write raw bytes that are no TLS record
  truncated  finish the handshake, read a request, then send a tenth of a TLS record and close
  headers    finish the handshake, read a request, answer with a 1 MiB header field
It listens on a free loopback port, writes the number to PORT_FILE once ready, and runs until
it is killed.
"""
import os
import socket
import ssl
import sys
import threading


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        data += chunk
    return True


def serve(mode, ctx, raw):
    conn = raw
    try:
        if mode == "handshake":
            raw.recv(4096)
            raw.sendall(b"\x16\x03\x03\xff\xffnot a server hello at all" * 8)
            return
        conn = ctx.wrap_socket(raw, server_side=True)
        if not read_request(conn):
            return
        if mode == "record":
            # Past the TLS layer: a record header of an unknown type, then noise.
            socket.socket.sendall(conn, b"\x63\x03\x03\x00\x10" + os.urandom(16))
        elif mode == "truncated":
            # An application-data record that promises 1000 bytes and brings 10.
            socket.socket.sendall(conn, b"\x17\x03\x03\x03\xe8" + os.urandom(10))
        elif mode == "headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n"
                         b"Content-Length: 2\r\n\r\nok")
            conn.recv(1)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    mode, cert, key, port_file = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    while True:
        raw, _ = srv.accept()
        threading.Thread(target=serve, args=(mode, ctx, raw), daemon=True).start()


if __name__ == "__main__":
    main()
