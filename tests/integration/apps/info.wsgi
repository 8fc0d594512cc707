# Reports where the request ran: group, interpreter, process, module state.
import json
import os
import sys

try:
    import _interpreters as _interp_mod          # 3.13
except ImportError:
    try:
        import _xxsubinterpreters as _interp_mod  # 3.8-3.12
    except ImportError:
        _interp_mod = None

counter = 0
MARK = os.environ.get("PYFPM_TEST_MARK", "")



def _current_id():
    cur = _interp_mod.get_current()
    if isinstance(cur, tuple):      # 3.13: (id, whence)
        cur = cur[0]
    return int(cur)

def interp_id():
    if _interp_mod is None:
        return None
    return _current_id()


def application(environ, start_response):
    global counter
    counter += 1
    if environ.get("QUERY_STRING") == "setpath":
        sys.path.insert(0, "/nonexistent/marker-" + environ["pyfpm.application_group"])
    data = {
        "group": environ["pyfpm.application_group"],
        "interp": interp_id(),
        "pid": os.getpid(),
        "counter": counter,
        "module_id": id(sys.modules[__name__]),
        "script_name": environ["SCRIPT_NAME"],
        "path_info": environ["PATH_INFO"],
        "url_scheme": environ["wsgi.url_scheme"],
        "query": environ.get("QUERY_STRING", ""),
        "markers": [p for p in sys.path if "marker-" in p],
        "name": __name__,
        "keys": sorted(k for k in environ if not k.startswith("wsgi.")),
        "env": {k: environ[k] for k in environ if isinstance(environ[k], str)},
        "mark": MARK,
    }
    body = json.dumps(data).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
