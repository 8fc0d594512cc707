#!/usr/bin/env python3
"""One FastCGI request, for tests/docker/run.sh (standard library only).

usage: fcgi_get.py HOST:PORT PATH [BODY]

Sends a responder request (GET, or POST with BODY) with the params nginx's
fastcgi_params would, and prints the HTTP status on the first line, then
the response body.  Exit 0 when a complete response came back, 1 if not.
"""
import socket
import struct
import sys

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(rtype, content=b""):
    pad = (8 - len(content) % 8) % 8
    return struct.pack("!BBHHBx", 1, rtype, 1, len(content), pad) + \
        content + b"\0" * pad


def pair(name, value):
    def length(n):
        return struct.pack("!B", n) if n < 128 else \
            struct.pack("!I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


def request(addr, path, body=None, timeout=30):
    host, _, port = addr.rpartition(":")
    uri, _, query = path.partition("?")
    params = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": "POST" if body is not None else "GET",
        "SCRIPT_NAME": uri, "DOCUMENT_URI": uri, "REQUEST_URI": path,
        "QUERY_STRING": query, "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
    }
    data = (body or "").encode()
    if body is not None:
        params["CONTENT_LENGTH"] = str(len(data))
        params["CONTENT_TYPE"] = "text/plain"
    out = record(BEGIN, struct.pack("!HB5x", 1, 0))
    out += record(PARAMS, b"".join(pair(k, v) for k, v in params.items()))
    out += record(PARAMS)
    if data:
        out += record(STDIN, data)
    out += record(STDIN)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(out)
        buf, stdout = b"", b""
        while True:
            while len(buf) >= 8:
                _, rtype, _, clen, plen = struct.unpack("!BBHHBx", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
                if rtype == STDOUT:
                    stdout += content
                elif rtype == STDERR:
                    sys.stderr.buffer.write(content)
                elif rtype == END:
                    return stdout
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("connection closed before FCGI_END_REQUEST")
            buf += chunk


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    try:
        raw = request(sys.argv[1], sys.argv[2],
                      sys.argv[3] if len(sys.argv) == 4 else None)
    except (OSError, EOFError) as e:
        print("fcgi_get: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 1
    head, _, body = raw.partition(b"\r\n\r\n")
    status = "200"
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"status":
            status = value.strip().split()[0].decode()
    sys.stdout.write(status + "\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
