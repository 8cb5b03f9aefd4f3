"""delay_server.py PORT_FILE DELAY_FILE: an HTTP/1.1 server on a free loopback port (written to
PORT_FILE) that answers every GET with 200 "ok" after sleeping the milliseconds DELAY_FILE
holds (read on every request, so a test slows the same server by a known amount while it
runs). The fault a real server cannot be told to inject: a known extra latency."""
import http.server
import os
import sys
import time

port_file, delay_file = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        try:
            with open(delay_file) as f:
                ms = float(f.read().strip() or 0)
        except (OSError, ValueError):
            ms = 0
        if ms > 0:
            time.sleep(ms / 1000.0)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
tmp = port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, port_file)
server.serve_forever()
