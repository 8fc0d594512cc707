# A second script: shares an interpreter with info.wsgi under one group name.
import os
import sys

try:
    import _interpreters as _interp_mod
except ImportError:
    import _xxsubinterpreters as _interp_mod



def _current_id():
    cur = _interp_mod.get_current()
    if isinstance(cur, tuple):      # 3.13: (id, whence)
        cur = cur[0]
    return int(cur)

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    infos = [m for m in sys.modules if m.startswith("_pyfpm")]
    return [("%s %d %s" % (_current_id(), os.getpid(),
                           ",".join(sorted(infos)))).encode()]
