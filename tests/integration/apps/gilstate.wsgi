# Calls back into Python from a C thread through PyGILState_Ensure (the
# test extension _pyfpm_gilstate), which only works in the main interpreter.
import os
import sys
import threading

sys.path.insert(0, os.environ["PYFPM_TEST_EXT_DIR"])
import _pyfpm_gilstate  # noqa: E402

seen = {}


def callback():
    seen["thread"] = threading.get_ident()
    seen["modules"] = id(sys.modules)
    return 42


def application(environ, start_response):
    result = _pyfpm_gilstate.call_in_thread(callback)
    same = seen.get("modules") == id(sys.modules)
    other_thread = seen.get("thread") != threading.get_ident()
    body = "%s %s %s" % (result, same, other_thread)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]
