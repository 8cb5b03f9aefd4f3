#!/usr/bin/env python3
# record_server.py: an HTTP/1.1 server for hcload's plan tests that writes every request it
# gets, byte for byte, to a file, and answers each with a small JSON body that names the
# request's sequence number ({"id":"o<N>","status":"PENDING"}) and a header X-Token: t<N>, so a
# plan can extract from it. One thread per connection; requests are recorded in arrival order.
# Usage: record_server.py PORT_FILE RECORD_FILE
import socket
import sys
import threading

lock = threading.Lock()
count = 0


def serve(conn, out):
    global count
    buf = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, _, rest = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(rest) < length:
                data = conn.recv(65536)
                if not data:
                    return
                rest += data
            request = head + b"\r\n\r\n" + rest[:length]
            buf = rest[length:]
            with lock:
                count += 1
                n = count
                out.write(request)
                out.flush()
            body = b'{"id":"o%d","status":"PENDING","n":%d}' % (n, n)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"X-Token: t%d\r\nContent-Length: %d\r\n\r\n" % (n, len(body)) + body)


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    out = open(sys.argv[2], "wb")
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, out), daemon=True).start()


main()
