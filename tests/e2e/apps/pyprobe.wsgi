# Which Python pyfpm embeds, and whether it can import the frameworks the
# e2e suite needs (Debian's python3-flask and python3-django).
import json
import sys


def _version(name):
    try:
        mod = __import__(name)
    except Exception as e:    # report, never hide, why it failed
        return None, "%s: %s" % (type(e).__name__, e)
    return getattr(mod, "__version__", "?"), None


def application(environ, start_response):
    flask, flask_err = _version("flask")
    django, django_err = _version("django")
    out = json.dumps({
        "version": sys.version,
        "prefix": sys.prefix,
        "path": sys.path,
        "flask": flask, "flask_error": flask_err,
        "django": django, "django_error": django_err,
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(out)))])
    return [out]
