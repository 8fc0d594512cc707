# The e2e site app: reports where and how a request ran, as JSON.
# Mounted at several routes; each group that runs it has its own module,
# so `counter` counts the requests of one group in one process.
import json
import os
import time
from urllib.parse import parse_qs

try:
    import _xxsubinterpreters as _interp_mod    # 3.8-3.12
except ImportError:
    try:
        import _interpreters as _interp_mod     # 3.13
    except ImportError:
        _interp_mod = None

counter = 0


def interp_id():
    if _interp_mod is None:
        return None
    cur = _interp_mod.get_current()
    if isinstance(cur, tuple):      # 3.13: (id, whence)
        cur = cur[0]
    return int(cur)


class Stream:
    """?stream=N&mark=PATH: N chunks of 64 KiB, slowly; close() (which
    pyfpm must call, also when the client has gone) creates PATH."""

    def __init__(self, n, mark):
        self.n, self.mark, self.i = n, mark, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        time.sleep(0.005)
        return b"%08d" % self.i * 8192

    def close(self):
        if self.mark:
            # whole or not at all: the test reads it as soon as it exists
            with open(self.mark + ".tmp", "w") as f:
                f.write("%d\n" % self.i)
            os.rename(self.mark + ".tmp", self.mark)


def application(environ, start_response):
    global counter
    counter += 1
    q = parse_qs(environ.get("QUERY_STRING", ""))
    if "stream" in q:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Stream(int(q["stream"][0]), q.get("mark", [None])[0])
    body = b""
    # ?noread leaves a request body unread: pyfpm must drain it before it
    # takes the next request on a kept connection
    if environ.get("QUERY_STRING") != "noread":
        body = environ["wsgi.input"].read()
    data = {
        "group": environ["pyfpm.application_group"],
        "interp": interp_id(),
        "pid": os.getpid(),
        "counter": counter,
        "script_name": environ["SCRIPT_NAME"],
        "path_info": environ["PATH_INFO"],
        # PEP 3333 native strings carry bytes as latin-1
        "path_info_hex": environ["PATH_INFO"].encode("latin-1").hex(),
        "query": environ.get("QUERY_STRING", ""),
        "request_uri": environ.get("REQUEST_URI", ""),
        "url_scheme": environ["wsgi.url_scheme"],
        "method": environ["REQUEST_METHOD"],
        "body_len": len(body),
        "env": {k: v for k, v in environ.items() if isinstance(v, str)},
    }
    out = json.dumps(data).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(out)))])
    return [out]
