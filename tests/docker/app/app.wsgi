# The app tests/docker/run.sh mounts over the image's /app.
#   /slow?SECONDS  sleeps, then answers (an in-flight request for the
#                  graceful-stop check)
#   anything else  a token, the ids the worker runs as, what the app saw
import os
import time

import helper  # from /app: python.path of the image's config


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/slow" or \
            environ.get("SCRIPT_NAME") == "/slow":
        seconds = float(environ.get("QUERY_STRING") or "2")
        time.sleep(seconds)
        body = "slept %g\n" % seconds
    else:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = (
            "%s\n"
            "uid=%d euid=%d gid=%d\n"
            "script_name=%s path_info=%s\n"
            "body=%s\n"
            % (helper.TOKEN, os.getuid(), os.geteuid(), os.getgid(),
               environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"),
               environ["wsgi.input"].read(length).decode())
        )
    data = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(data)))])
    return [data]
