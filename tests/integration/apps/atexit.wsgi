# Registers an atexit function that leaves a file behind, to show that
# interpreters are ended cleanly when the worker exits.
import atexit
import os


def _bye(path):
    with open(path, "a") as f:
        f.write("atexit %d\n" % os.getpid())


def application(environ, start_response):
    atexit.register(_bye, environ["QUERY_STRING"])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"registered"]
