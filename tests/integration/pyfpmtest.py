"""Helpers for pyfpm's integration tests: a raw FastCGI client, a daemon
fixture that starts the real pyfpm binary, and a tiny TAP test runner.

Standard library only: it runs under any python3, whatever Python pyfpm
embeds.
"""
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

FCGI_BEGIN_REQUEST = 1
FCGI_ABORT_REQUEST = 2
FCGI_END_REQUEST = 3
FCGI_PARAMS = 4
FCGI_STDIN = 5
FCGI_STDOUT = 6
FCGI_STDERR = 7
FCGI_RESPONDER = 1
FCGI_KEEP_CONN = 1

PYFPM = os.environ.get("PYFPM") or os.path.join(
    os.environ.get("top_builddir", "."), "pyfpm")
SRCDIR = os.environ.get("top_srcdir", ".")
APPS = os.path.join(SRCDIR, "tests", "integration", "apps")


def _record(rtype, content, req_id=1):
    out = []
    for off in range(0, max(len(content), 1), 65535):
        chunk = content[off:off + 65535]
        pad = (8 - len(chunk) % 8) % 8
        out.append(struct.pack("!BBHHBx", 1, rtype, req_id, len(chunk), pad))
        out.append(chunk + b"\0" * pad)
        if not content:
            break
    return b"".join(out)


def _pair(name, value):
    def length(n):
        return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def encode_params(params):
    """params: list of (name, value) pairs, str or bytes (repeats allowed)."""
    body = b""
    for name, value in params:
        if isinstance(name, str):
            name = name.encode("latin-1")
        if isinstance(value, str):
            value = value.encode("latin-1")
        body += _pair(name, value)
    return body


class Response:
    def __init__(self, raw, stderr, app_status):
        self.raw = raw
        self.stderr = stderr
        self.app_status = app_status
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            head, body = b"", raw
        self.headers = []
        self.status = 200
        for line in head.split(b"\r\n"):
            if not line:
                continue
            name, _, value = line.partition(b":")
            name, value = name.decode("latin-1"), value.strip().decode("latin-1")
            if name.lower() == "status":
                self.status = int(value.split()[0])
            else:
                self.headers.append((name, value))
        self.body = body

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:200])


class Connection:
    """One FastCGI connection; several requests on it with keep=True."""

    def __init__(self, addr, timeout=30):
        if addr.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(addr[5:])
        else:
            host, _, port = addr.rpartition(":")
            host = host.strip("[]")
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.sock = socket.socket(fam, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect((host, int(port)))
        self.buf = b""

    def close(self):
        self.sock.close()

    def send_request(self, params, body=b"", keep=False, req_id=1,
                     body_chunks=None):
        flags = FCGI_KEEP_CONN if keep else 0
        data = _record(FCGI_BEGIN_REQUEST,
                       struct.pack("!HB5x", FCGI_RESPONDER, flags), req_id)
        data += _record(FCGI_PARAMS, encode_params(params), req_id)
        data += _record(FCGI_PARAMS, b"", req_id)
        self.sock.sendall(data)
        if body_chunks is None:
            body_chunks = [body] if body else []
        for chunk in body_chunks:
            for off in range(0, len(chunk), 65535):
                self.sock.sendall(_record(FCGI_STDIN, chunk[off:off + 65535], req_id))
        self.sock.sendall(_record(FCGI_STDIN, b"", req_id))

    def _read_exact(self, n):
        while len(self.buf) < n:
            got = self.sock.recv(max(65536, n - len(self.buf)))
            if not got:
                raise ConnectionError("connection closed by pyfpm")
            self.buf += got
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, sink=None):
        """Reads records up to END_REQUEST.  With sink, body bytes after
        the headers go to sink(chunk) instead of being kept (huge bodies)."""
        out, err = [], []
        head = b""
        sinking = False
        while True:
            _, rtype, _, clen, pad = struct.unpack("!BBHHBx", self._read_exact(8))
            content = self._read_exact(clen)
            self._read_exact(pad)
            if rtype == FCGI_STDOUT:
                if sink is None:
                    out.append(content)
                elif sinking:
                    sink(content)
                else:
                    head += content
                    end = head.find(b"\r\n\r\n")
                    if end >= 0:
                        out.append(head[:end + 4])
                        sink(head[end + 4:])
                        sinking = True
            elif rtype == FCGI_STDERR:
                err.append(content)
            elif rtype == FCGI_END_REQUEST:
                app_status = struct.unpack("!IB3x", content)[0]
                if sink is not None and not sinking:
                    out.append(head)
                return Response(b"".join(out), b"".join(err), app_status)

    def request(self, params, body=b"", keep=False, sink=None, body_chunks=None):
        self.send_request(params, body, keep, body_chunks=body_chunks)
        return self.read_response(sink)


def make_params(path, method="GET", query="", server="www.example.com",
                port=80, https=False, body=b"", content_type=None,
                script_name=None, path_info=None, extra=()):
    """The params nginx's fastcgi_params would send for a request."""
    uri = path + ("?" + query if query else "")
    p = [
        ("QUERY_STRING", query),
        ("REQUEST_METHOD", method),
        ("CONTENT_TYPE", content_type or ""),
        ("CONTENT_LENGTH", str(len(body)) if body else ""),
        ("SCRIPT_NAME", path if script_name is None else script_name),
        ("REQUEST_URI", uri),
        ("DOCUMENT_URI", path),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REQUEST_SCHEME", "https" if https else "http"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", "nginx"),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("REMOTE_PORT", "50000"),
        ("SERVER_ADDR", "127.0.0.1"),
        ("SERVER_PORT", str(port)),
        ("SERVER_NAME", server),
        ("HTTP_HOST", server if port in (80, 443) else "%s:%d" % (server, port)),
    ]
    if path_info is not None:
        p.append(("PATH_INFO", path_info))
    if https:
        p.append(("HTTPS", "on"))
    p.extend(extra)
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """Runs the real pyfpm with a YAML config in a temp dir."""

    def __init__(self, config, listen=None, env=None, wait=True):
        self.dir = tempfile.mkdtemp(prefix="pyfpm-it-")
        self.listen = listen or "unix:%s/pyfpm.sock" % self.dir
        self.log = os.path.join(self.dir, "pyfpm.log")
        self.config_path = os.path.join(self.dir, "pyfpm.yaml")
        text = config.replace("@LISTEN@", self.listen)
        text = text.replace("@APPS@", APPS).replace("@DIR@", self.dir)
        with open(self.config_path, "w") as f:
            f.write(text)
        env2 = dict(os.environ)
        env2.update(env or {})
        self.logf = open(self.log, "wb")
        # PYFPM_WRAPPER runs the daemon under a tool, e.g. valgrind (.ci/run)
        wrapper = shlex.split(os.environ.get("PYFPM_WRAPPER", ""))
        self.proc = subprocess.Popen(wrapper + [PYFPM, "-c", self.config_path],
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     env=env2)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pyfpm exited with %s:\n%s" %
                                   (self.proc.returncode, self.log_text()))
            try:
                c = Connection(self.listen, timeout=2)
                c.close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("pyfpm did not start listening:\n" + self.log_text())

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, needle, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if needle in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def connect(self, timeout=30):
        return Connection(self.listen, timeout)

    def get(self, path, **kw):
        keep = kw.pop("keep", False)
        body = kw.get("body", b"")
        c = self.connect()
        try:
            return c.request(make_params(path, **kw), body=body, keep=keep)
        finally:
            c.close()

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("pyfpm did not stop on %s" % sig)
        self.logf.close()
        return self.proc.returncode

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write("--- pyfpm log ---\n" + self.log_text()[-6000:] + "\n")
        self.close()


_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what or "value", b, a))


def run(daemon=None):
    """Runs the registered tests and prints TAP; returns the exit status
    (1 if any failed).  On a failure, daemon's log tail is printed too."""
    only = sys.argv[1:]
    tests = [t for t in _tests if not only or t.__name__ in only]
    print("1..%d" % len(tests))
    failed = 0
    for i, t in enumerate(tests, 1):
        start = time.time()
        try:
            t()
            print("ok %d - %s (%.2fs)" % (i, t.__name__, time.time() - start))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, t.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            if daemon is not None:
                for line in daemon.log_text()[-3000:].splitlines():
                    print("# log: " + line)
        sys.stdout.flush()
    print("# %d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0
