# Misbehaving and edge-case apps, selected by PATH_INFO.
import hashlib
import os
import sys
import time
import wsgiref.validate

closed = []


class Tracked:
    def __init__(self, chunks, fail_at=None):
        self.chunks = chunks
        self.fail_at = fail_at

    def __iter__(self):
        for i, c in enumerate(self.chunks):
            if self.fail_at == i:
                raise RuntimeError("iterable failed at chunk %d" % i)
            yield c

    def close(self):
        closed.append(1)


def plain(start_response, body, status="200 OK"):
    start_response(status, [("Content-Type", "text/plain")])
    return [body if isinstance(body, bytes) else body.encode()]


def app(environ, start_response):
    p = environ["PATH_INFO"]
    if p == "/raise":
        raise ValueError("boom from the app")
    if p == "/badheader":
        start_response("200 OK", [("Content-Type", 42)])
        return [b"x"]
    if p == "/hopbyhop":
        start_response("200 OK", [("Connection", "close")])
        return [b"x"]
    if p == "/badstatus":
        start_response("OK", [])
        return [b"x"]
    if p == "/noniterable":
        start_response("200 OK", [])
        return 42
    if p == "/strbody":
        start_response("200 OK", [])
        return ["text"]
    if p == "/genraise":
        def gen():
            raise KeyError("before first chunk")
            yield b""
        start_response("200 OK", [])
        return gen()
    if p == "/genraise-late":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Tracked([b"first chunk\n", b"second"], fail_at=1)
    if p == "/closed":
        return plain(start_response, "%d" % len(closed))
    if p == "/tracked":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Tracked([b"a", b"b", b"c"])
    if p == "/echo-sha":
        h = hashlib.sha256()
        n = 0
        inp = environ["wsgi.input"]
        while True:
            chunk = inp.read(1 << 16)
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
        return plain(start_response, "%d %s" % (n, h.hexdigest()))
    if p == "/readlines":
        lines = environ["wsgi.input"].readlines()
        return plain(start_response, repr(lines))
    if p == "/stream":
        size = int(environ["QUERY_STRING"] or "0")
        start_response("200 OK", [("Content-Type", "application/octet-stream")])

        def gen():
            block = bytes(range(256)) * 256  # 64 KiB
            left = size
            while left > 0:
                yield block[:min(left, len(block))]
                left -= len(block)
        return gen()
    if p == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"then returned"]
    if p == "/exit":
        os._exit(3)
    if p == "/kill9":
        os.kill(os.getpid(), 9)
    if p == "/sleep":
        time.sleep(float(environ["QUERY_STRING"] or "1"))
        return plain(start_response, "slept %d" % os.getpid())
    if p == "/pid":
        return plain(start_response, "%d" % os.getpid())
    if p == "/errors":
        environ["wsgi.errors"].write("a line for the log\n")
        environ["wsgi.errors"].flush()
        return plain(start_response, "ok")
    if p == "/print":
        print("printed to stdout", sys.stdout.isatty())
        print("printed to stderr", file=sys.stderr)
        return plain(start_response, "ok")
    if p == "/exc_info":
        try:
            raise RuntimeError("handled")
        except RuntimeError:
            start_response("500 Oops", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"recovered"]
    if p == "/filewrapper":
        f = open(__file__, "rb")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](f, 1024)
    if p == "/cpu":
        # wall-clock interval (system-wide monotonic clock) and this
        # thread's CPU time: two threads whose CPU times add up to more
        # than their joint wall time ran at the same time
        n = int(environ["QUERY_STRING"] or "2000000")
        t0, c0 = time.monotonic(), time.thread_time()
        x = 0
        for i in range(n):
            x += i * i
        return plain(start_response, "%.6f %.6f %.6f" % (
            t0, time.monotonic(), time.thread_time() - c0))
    return plain(start_response, "behave: unknown " + p, "404 Not Found")


def validated_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    return [b"validated:" + body]


validated = wsgiref.validate.validator(validated_app)
application = app
