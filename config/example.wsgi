"""pyfpm's example app, installed with the default configuration: it shows
where a request ran.  Replace it with your own app in
/etc/pyfpm/pyfpm.yaml."""
import os


def application(environ, start_response):
    lines = [
        "pyfpm %s is serving this example app." % environ.get("pyfpm.version", ""),
        "",
        "application group: %r" % environ.get("pyfpm.application_group"),
        "process: %d" % os.getpid(),
        "SCRIPT_NAME: %r  PATH_INFO: %r" % (environ.get("SCRIPT_NAME"),
                                            environ.get("PATH_INFO")),
        "",
        "Point a route of /etc/pyfpm/pyfpm.yaml at your own WSGI script.",
    ]
    body = ("\n".join(lines) + "\n").encode()
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]
