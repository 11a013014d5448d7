#!/usr/bin/env python3
"""A scenario backend in a process of its own, so the runner can crash it (SIGKILL by PID)
and start it again on the same address, in this host or in a network namespace:
  backend_server.py http|tcp|smtp NAME ADDRESS PORT DELAY_FILE
http: HTTP/1.1 keep-alive; GET /health -> 200 "ok", anything else -> 200 "NAME PATH".
tcp: says NAME on connect, then echoes lines.
smtp: an RFC 5321 greeting ("220 NAME ESMTP"), EHLO/HELO/NOOP/RSET answered 250, QUIT 221,
anything else 502: enough for the SMTP probe and the smtp workload, no mail accepted. Every answer first waits the seconds written
in DELAY_FILE (absent or empty: none): the runner's "slow backend" fault writes it."""
import http.server
import socketserver
import sys
import time

kind, name, address, port, delay_file = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]


def delay():
    try:
        with open(delay_file) as f:
            text = f.read().strip()
        if text:
            time.sleep(float(text))
    except (OSError, ValueError):
        pass


class HttpHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/health":
            body = b"ok\n"
        else:
            delay()
            body = f"{name} {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


class TcpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        delay()
        self.wfile.write(f"{name}\n".encode())
        for line in self.rfile:
            delay()
            self.wfile.write(line)


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        delay()
        self.wfile.write(f"220 {name} ESMTP\r\n".encode())
        for line in self.rfile:
            verb = line.strip().split(b" ")[0].upper()
            delay()
            if verb == b"EHLO":
                self.wfile.write(f"250-{name}\r\n250 8BITMIME\r\n".encode())
            elif verb in (b"HELO", b"NOOP", b"RSET"):
                self.wfile.write(f"250 {name} ok\r\n".encode())
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not implemented here\r\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


server = Server((address, port), {"http": HttpHandler, "smtp": SmtpHandler}.get(kind, TcpHandler))
print("ready", flush=True)
server.serve_forever()
