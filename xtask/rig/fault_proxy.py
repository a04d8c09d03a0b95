#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of moto, for the tests of multi-step flows.

Every request is forwarded to the upstream (moto) unchanged, Host header included, so SigV4
signatures stay valid; only the AWS query actions named with --fail are answered by the proxy
itself, with the error a real service sends when a policy denies the action (403 AccessDenied,
IAM's XML shape). --on ACTION --run CMD runs a shell command when ACTION passes through, before
forwarding it (a test uses it to lock the keyring between two steps of keyhop). --expire-in N
rewrites every <Expiration> in the answers (STS's credentials) to N seconds from now, as
credentials about to run out would look. --log FILE appends each request's action, one a line.

    python3 xtask/rig/fault_proxy.py --upstream http://127.0.0.1:M [--fail DeleteAccessKey]...
        [--on CreateAccessKey --run 'CMD'] [--expire-in 20] [--log FILE]

Listens on 127.0.0.1, on a free port, printed as the first line of stdout ("port N"). Standard
library only.
"""

import argparse
import datetime
import http.client
import re
import subprocess
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def denied(action):
    return (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        f"<Code>AccessDenied</Code><Message>fault proxy: not authorized to perform iam:{action}</Message>"
        "</Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    ).encode()


EXPIRATION = re.compile(rb"<Expiration>[^<]*</Expiration>")


def expiring_in(data, seconds):
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return EXPIRATION.sub(b"<Expiration>" + stamp + b"</Expiration>", data)


def make_handler(upstream, fail, hooks, expire_in=None, log=None):
    up = urllib.parse.urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("fault_proxy: " + (fmt % args) + "\n")

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = urllib.parse.urlsplit(self.path).query
            params = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
            params.update(urllib.parse.parse_qs(query))
            action = (params.get("Action") or [""])[0]
            if log:
                with open(log, "a") as f:
                    f.write(action + "\n")
            if action in hooks:
                subprocess.run(hooks[action], shell=True, check=False)
            if action in fail:
                reply = denied(action)
                self.send_response(403)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                return
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP_BY_HOP:
                    conn.putheader(k, v)
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            if expire_in is not None:
                data = expiring_in(data, expire_in)
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = handle_any

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", required=True)
    p.add_argument("--fail", action="append", default=[], metavar="ACTION")
    p.add_argument("--on", action="append", default=[], metavar="ACTION")
    p.add_argument("--run", action="append", default=[], metavar="CMD")
    p.add_argument("--expire-in", type=int, metavar="SECONDS")
    p.add_argument("--log", metavar="FILE")
    a = p.parse_args()
    if len(a.on) != len(a.run):
        p.error("each --on needs its --run")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(a.upstream, set(a.fail), dict(zip(a.on, a.run)), a.expire_in, a.log))
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
