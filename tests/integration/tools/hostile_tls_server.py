#!/usr/bin/env python3
"""hostile_tls_server.py: a TLS or HTTP/2 server that misbehaves on purpose, for hcload's tests.

Faults no real server produces on demand: bytes that are not TLS where a handshake or a record
belongs, HTTP/2 frames that are garbage or cut short, and responses too large for any client to
keep. Each connection is served on its own thread; the server reads one request before it
misbehaves, so each fault hits a request in flight. The h2 modes speak HTTP/2 with prior
knowledge on plain TCP (h2c).

Usage: hostile_tls_server.py MODE CERT KEY PORT_FILE
  handshake  answer the ClientHello with bytes that are not TLS, then close
  record     finish the handshake, read a request, then write raw bytes that are no TLS record
  truncated  finish the handshake, read a request, then send a tenth of a TLS record and close
  headers    finish the handshake, read a request, answer with a 1 MiB header field
  h2garbage    h2c: after the client's preface, SETTINGS, then bytes that are no frame
  h2truncated  h2c: SETTINGS, then a HEADERS frame that promises 100 bytes, brings 10, closes
  h2headers    h2c: SETTINGS, then a response whose one header field is 1 MiB (CONTINUATIONs)
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


def frame(ftype, flags, stream, payload):
    return (len(payload).to_bytes(3, "big") + bytes([ftype, flags]) +
            stream.to_bytes(4, "big") + payload)


def hpack_int(value, prefix_bits, first):
    """An HPACK integer with an N-bit prefix, the high bits of its first byte being first."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def serve_h2(mode, conn):
    conn.recv(65536)  # the preface, SETTINGS and the first request's HEADERS
    settings = frame(4, 0, 0, b"") + frame(4, 1, 0, b"")
    if mode == "h2garbage":
        conn.sendall(settings + b"\xff" * 64)
    elif mode == "h2truncated":
        conn.sendall(settings + frame(1, 4, 1, b"\x88" * 100)[:9 + 10])
    elif mode == "h2headers":
        # :status 200 (static index 8), then a literal field "x-big" of 1 MiB, no Huffman.
        block = (b"\x88" + b"\x00" + hpack_int(5, 7, 0) + b"x-big" +
                 hpack_int(1 << 20, 7, 0) + b"a" * (1 << 20))
        chunks = [block[i:i + 16384] for i in range(0, len(block), 16384)]
        out = settings + frame(1, 0, 1, chunks[0])
        for i, c in enumerate(chunks[1:], 1):
            out += frame(9, 4 if i == len(chunks) - 1 else 0, 1, c)
        conn.sendall(out)
        conn.recv(1)


def serve(mode, ctx, raw):
    conn = raw
    try:
        if mode.startswith("h2"):
            serve_h2(mode, conn)
            return
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
