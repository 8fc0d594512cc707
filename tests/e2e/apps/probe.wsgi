# The e2e site app: reports where and how a request ran, as JSON.
# Mounted at several routes; each group that runs it has its own module,
# so `counter` counts the requests of one group in one process.
import json
import os
import sys

try:
    import _xxsubinterpreters as _interp_mod    # 3.8-3.12
except ImportError:
    try:
        import _interpreters as _interp_mod     # 3.13
    except ImportError:
        _interp_mod = None

counter = 0


def application(environ, start_response):
    global counter
    counter += 1
    body = b""
    # ?noread leaves a request body unread: pyfpm must drain it before it
    # takes the next request on a kept connection
    if environ.get("QUERY_STRING") != "noread":
        body = environ["wsgi.input"].read()
    data = {
        "group": environ["pyfpm.application_group"],
        "interp": int(_interp_mod.get_current()) if _interp_mod else None,
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
