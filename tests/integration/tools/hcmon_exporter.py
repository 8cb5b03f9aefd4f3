#!/usr/bin/env python3
"""hcmon_exporter.py: a tiny Prometheus endpoint for hcmon's tests, good and bad.

    hcmon_exporter.py PORTFILE LOGFILE

Listens on a free loopback port (written to PORTFILE). /seq serves the pages of SEQ one per
request, in order, and logs the index served to LOGFILE; the other paths misbehave:
/garbage and /badlabel (pages that do not parse), /binary (random bytes), /500, /404, /stall
(no answer for 30 s), /slow (one byte a second), /reset (a TCP reset instead of an answer),
/huge (100 MB without Content-Length), /huge-cl (Content-Length: 100 MB), /empty (an empty
page, which is valid).
"""
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTE = 'route="GET /x"'
BOUNDS = ["0.001", "0.01", "0.1", "+Inf"]
# (ok requests, 5xx, cumulative bucket counts); index 3 is a restart (counters reset).
SEQ = [
    (100, 0, [10, 60, 90, 100]),
    (350, 5, [50, 250, 340, 355]),
    (1000, 25, [100, 700, 990, 1025]),
    (20, 1, [5, 15, 20, 21]),
    (80, 3, [9, 60, 80, 83]),
    (80, 3, [9, 60, 80, 83]),
]


def page(i):
    ok, err, buckets = SEQ[min(i, len(SEQ) - 1)]
    lines = [
        "# TYPE hc_http_requests_total counter",
        "hc_http_requests_total{%s,code=\"200\"} %d" % (ROUTE, ok),
        "hc_http_requests_total{%s,code=\"503\"} %d" % (ROUTE, err),
        "# TYPE hc_http_request_duration_seconds histogram",
    ]
    for le, c in zip(BOUNDS, buckets):
        lines.append("hc_http_request_duration_seconds_bucket{%s,le=\"%s\"} %d" % (ROUTE, le, c))
    lines.append("hc_http_request_duration_seconds_count{%s} %d" % (ROUTE, buckets[-1]))
    lines.append("hc_pool_threads{pool=\"critical\"} 4")
    lines.append("other_exporter_gauge 42")
    return ("\n".join(lines) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def send_page(self, body, code=200):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/seq":
            with Handler.lock:
                i = Handler.served
                Handler.served += 1
                with open(sys.argv[2], "a") as f:
                    f.write("%d\n" % i)
            self.send_page(page(i))
        elif p == "/empty":
            self.send_page(b"")
        elif p == "/garbage":
            self.send_page(b"this is not {a metrics page\n")
        elif p == "/badlabel":
            self.send_page(b"ok 1\nx{a=\"unterminated} 1\n")
        elif p == "/binary":
            self.send_page(os.urandom(4096))
        elif p == "/500":
            self.send_page(b"oops\n", 500)
        elif p == "/404":
            self.send_page(b"no\n", 404)
        elif p == "/stall":
            time.sleep(30)
        elif p == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(1)
        elif p == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif p in ("/huge", "/huge-cl"):
            self.send_response(200)
            if p == "/huge-cl":
                self.send_header("Content-Length", str(100 * 1024 * 1024))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"a 1\n" * 262144  # 1 MiB
            for _ in range(100):
                self.wfile.write(chunk)
            self.close_connection = True
        else:
            self.send_page(b"not found\n", 404)


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that gave up (the point of /slow, /stall, /huge) is not news


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
