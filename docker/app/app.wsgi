# Example WSGI app of the pyfpm Docker image.  Mount your own over /app:
# pyfpm runs /app/app.wsgi's `application` for every path (see
# /etc/pyfpm/pyfpm.yaml), and /app is on sys.path.
import os
import sys


def application(environ, start_response):
    body = (
        "Hello from pyfpm in Docker\n"
        "path: %s%s\n"
        "group: %r\n"
        "pid: %d uid: %d\n"
        "python: %s\n"
        % (
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("pyfpm.application_group"),
            os.getpid(),
            os.getuid(),
            sys.version.split()[0],
        )
    ).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]
