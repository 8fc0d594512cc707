"""The end-to-end cases run through nginx (test_nginx.py) and Apache
(test_apache.py): the front-end's config is the file users paste
(docs/frontends/), pyfpm's is docs/frontends/pyfpm.yaml plus a few
test-only routes.  Each front-end is started four times: pyfpm over TCP and
over a unix socket, FastCGI connection reuse on and off; half of the starts
serve the site on ports 80 and 443 (on a 127.0.0.x address, when root), the
other half on free high ports, so %{SERVER} is seen with and without the
port suffix.
"""
import os
import re
import socket
import subprocess
import threading
import time

from e2etest import (APPS, NGINX_FASTCGI_PARAMS, SERVER_NAME, Apache,
                     Nginx, Pyfpm, Site, Suite, Workdir, check, doc, edit_once,
                     eq, fcgi_connections, free_port, make_cert, need_tools,
                     render, say, sha256, standard_ip, web_user)

# (transport, reuse, ports): "standard" serves the site on 80/443
COMBOS = [
    ("tcp", True, "standard"),
    ("tcp", False, "high"),
    ("unix", True, "high"),
    ("unix", False, "standard"),
]

UPLOAD_SIZE = 50 * 1024 * 1024
STREAM_CHUNKS = 200

TEST_ROUTES = """
  # --- test-only routes (tests/e2e/cases.py), after the docs' routes
  - prefix: /wsgi-scripts/foo
    script: {apps}/probe.wsgi
  - prefix: /server
    script: {apps}/probe.wsgi
    group: "%{{SERVER}}"
  - prefix: /e2e-probe
    script: {apps}/pyprobe.wsgi
    group: e2e-probe
max_interpreters: 64
log:
  level: info
  access: true
"""


def stream_chunk(i):
    return (b"%05d:" % i) * 1000


STREAM_BODY = b"".join(stream_chunk(i) for i in range(STREAM_CHUNKS))


def pyfpm_yaml(listen):
    text = render(doc("pyfpm.yaml"), LISTEN=listen, WEB_USER=web_user()[0],
                  FLASK_WSGI=os.path.join(APPS, "flask_app.wsgi"),
                  DJANGO_WSGI=os.path.join(APPS, "django_app.wsgi"),
                  SITE_WSGI=os.path.join(APPS, "probe.wsgi"))
    check(text.rstrip().endswith('group: "%{ENV:APPLICATION_GROUP}"'),
          "docs/frontends/pyfpm.yaml must end with its routes (the tests "
          "append theirs)")
    return text.rstrip() + "\n" + TEST_ROUTES.format(apps=APPS)


def nginx_version():
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    m = re.search(r"nginx/(\d+)\.(\d+)", out.stderr + out.stdout)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


# --- front-end configs, built from the docs' files ---------------------------------

def listen_spec(site):
    return "%s:%d" % (site.ip, site.real_port)


# test-only (not in the docs): the same requests passed other ways, the
# app must see the same SCRIPT_NAME/PATH_INFO; and fixed groups (the
# README's snippets are checked against these lines)
NGINX_TEST_SERVER = """
    # test-only (tests/e2e/cases.py)
    server {
        listen @LISTEN@;
        server_name @SERVER_NAME@;
        fastcgi_keep_conn @KEEP@;
        include pyfpm-split.conf;
        location /wsgi-scripts/ {
            fastcgi_split_path_info ^(/wsgi-scripts)(/.*)$;
            include fastcgi_params;
            fastcgi_param HTTP_HOST $http_host if_not_empty;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_pass pyfpm;
        }
        location /fixed/ {
            include fastcgi_params;
            fastcgi_param APPLICATION_GROUP team-x;
            fastcgi_pass pyfpm;
        }
        location /global/ {
            include fastcgi_params;
            fastcgi_param APPLICATION_GROUP "%{GLOBAL}";
            fastcgi_pass pyfpm;
        }
        location / {
            include fastcgi_params;
            fastcgi_pass pyfpm;
        }
    }
"""

APACHE_TEST_VHOST = """
# test-only (tests/e2e/cases.py): SetEnv forwarding
<VirtualHost *:@PORT@>
    ServerName @SERVER_NAME@
    <Location /fixed>
        SetEnv APPLICATION_GROUP team-x
    </Location>
    <Location /global>
        SetEnv APPLICATION_GROUP %{GLOBAL}
    </Location>
    ProxyPass / @PYFPM_URL@ @REUSE@
</VirtualHost>
"""


def nginx_config(ctx, wd, cert, key):
    pyfpm, reuse = ctx.pyfpm, ctx.reuse
    site = render(doc("nginx-pyfpm.conf"), PYFPM=pyfpm.nginx_address(),
                  PORT=listen_spec(ctx.http), SERVER_NAME=SERVER_NAME)
    tls = render(doc("nginx-pyfpm-tls.conf"), TLS_PORT=listen_spec(ctx.https),
                 SERVER_NAME=SERVER_NAME, CERT=cert, KEY=key)
    split = render(doc("nginx-pyfpm-split.conf"))
    if not reuse:
        # what the comment in nginx-pyfpm.conf says to do
        site = edit_once(site, "    keepalive 8;\n", "")
        site = edit_once(site, "fastcgi_keep_conn on;", "fastcgi_keep_conn off;")
        tls = edit_once(tls, "fastcgi_keep_conn on;", "fastcgi_keep_conn off;")
    with open(NGINX_FASTCGI_PARAMS) as f:
        params = f.read()
    http = "    include pyfpm.conf;\n    include pyfpm-tls.conf;\n"
    if ctx.http.real_port != ctx.http.port:
        # Not root: the "port 80/443" sites really listen on high ports,
        # as behind a port-forward; nginx is told the public port.
        params += "\n# tests/e2e: the public port\n" \
                  "fastcgi_param SERVER_PORT $e2e_public_port;\n"
        http += ("    map $server_port $e2e_public_port {\n"
                 "        %d %d;\n        %d %d;\n"
                 "        default $server_port;\n    }\n" % (
                     ctx.http.real_port, ctx.http.port,
                     ctx.https.real_port, ctx.https.port))
    http += NGINX_TEST_SERVER.replace("@LISTEN@", listen_spec(ctx.extra)) \
        .replace("@SERVER_NAME@", SERVER_NAME) \
        .replace("@KEEP@", "on" if reuse else "off")
    files = {"pyfpm.conf": site, "pyfpm-tls.conf": tls,
             "pyfpm-split.conf": split, "fastcgi_params": params}
    return http, files


def apache_config(ctx, wd, cert, key):
    url = ctx.pyfpm.apache_url()
    site, tls = doc("apache-pyfpm.conf"), doc("apache-pyfpm-tls.conf")
    reuse = "enablereuse=on"
    if not ctx.reuse:
        # what the comment in apache-pyfpm.conf says to do
        site = edit_once(site, "@PYFPM_URL@ enablereuse=on", "@PYFPM_URL@")
        tls = edit_once(tls, "@PYFPM_URL@ enablereuse=on", "@PYFPM_URL@")
        reuse = ""
    site = render(site, PORT=ctx.http.real_port, SERVER_NAME=SERVER_NAME,
                  PYFPM_URL=url)
    tls = render(tls, TLS_PORT=ctx.https.real_port, SERVER_NAME=SERVER_NAME,
                 CERT=cert, KEY=key, PYFPM_URL=url)
    for name, text in (("pyfpm.conf", site), ("pyfpm-tls.conf", tls)):
        with open(os.path.join(wd.sub("apache"), name), "w") as f:
            f.write(text)
    body = "Include pyfpm.conf\nInclude pyfpm-tls.conf\n"
    body += APACHE_TEST_VHOST.replace("@PORT@", str(ctx.extra.real_port)) \
        .replace("@SERVER_NAME@", SERVER_NAME).replace("@PYFPM_URL@", url) \
        .replace("@REUSE@", reuse)
    return body


# --- the cases -----------------------------------------------------------------------

class Ctx:
    pass


def probe(site, path, **kw):
    r = site.get(path, **kw)
    eq(r.status, 200, "status of %s (%r)" % (site.url(path), r.body[:300]))
    return r.json()


def frameworks_importable(site):
    j = probe(site, "/e2e-probe")
    say("embedded Python %s; flask %s, django %s" % (
        j["version"].split()[0], j["flask"], j["django"]))
    hint = ("the Python pyfpm embeds (%s, prefix %s) cannot import %%s: %%s. "
            "The e2e suite needs Debian's python3-flask and python3-django, "
            "seen by Debian's /usr/bin/python3: build pyfpm with "
            "./configure PYTHON_CONFIG=/usr/bin/python3-config" % (
                j["version"].split()[0], j["prefix"]))
    check(j["flask_error"] is None, hint % ("flask", j["flask_error"]))
    check(j["django_error"] is None, hint % ("django", j["django_error"]))


def per_user_groups(ctx):
    """The seed's scenario: /~alice/ and /~bob/ in groups ~alice and ~bob,
    each with its own module state (a counter per process)."""
    last = {}
    interps = {}
    for rnd in range(3):
        for user in ("alice", "bob", "carol.smith"):
            for site in (ctx.http, ctx.https):
                path = "/~%s/page/%d" % (user, rnd)
                j = probe(site, path + "?r=%d" % rnd)
                group = "~" + user
                eq(j["group"], group, "group of " + path)
                eq(j["env"].get("APPLICATION_GROUP"), group, "APPLICATION_GROUP")
                eq(j["script_name"], "", "SCRIPT_NAME of " + path)
                eq(j["path_info"], path, "PATH_INFO of " + path)
                eq(j["query"], "r=%d" % rnd, "QUERY_STRING")
                key = (j["pid"], group)
                if key in last:
                    eq(j["counter"], last[key] + 1,
                       "%s's counter in process %d (no other group touches it)"
                       % (group, j["pid"]))
                last[key] = j["counter"]
                interps.setdefault(j["pid"], {})[group] = j["interp"]
    for pid, groups in interps.items():
        ids = list(groups.values())
        eq(len(set(ids)), len(ids), "one interpreter per group in process %d: %r"
           % (pid, groups))
        check(0 not in ids, "user groups are sub-interpreters, not the main one")
    # the front-ends match their decoded path: %7E is ~, %20 a space
    for target, group, path in (("/%7Ealice/x", "~alice", "/~alice/x"),
                                ("/~al%20ice/x", "~al ice", "/~al ice/x")):
        j = probe(ctx.http, target)
        eq(j["group"], group, "group of " + target)
        eq(j["path_info"], path, "PATH_INFO of " + target)
    j = probe(ctx.http, "/about")
    eq(j["group"], "site", "a page outside /~user/ (env: APPLICATION_GROUP)")


def setenv_groups(ctx):
    """A fixed group from the front-end (Apache SetEnv, nginx fastcgi_param),
    and %{GLOBAL} through it: the main interpreter."""
    j = probe(ctx.extra, "/fixed/x")
    eq(j["group"], "team-x", "group from SetEnv / fastcgi_param")
    check(j["interp"] not in (None, 0), "team-x is a sub-interpreter")
    j = probe(ctx.extra, "/global/x")
    eq(j["group"], "", "SetEnv APPLICATION_GROUP %{GLOBAL}")
    eq(j["interp"], 0, "%{GLOBAL} runs in the main interpreter")


def server_and_resource(ctx):
    for site in (ctx.http, ctx.https):
        j = probe(site, "/server/x")
        eq(j["group"], site.server_group, "%%{SERVER} on %s" % site.url("/"))
        eq(j["env"]["SERVER_PORT"], str(site.port), "SERVER_PORT")
        eq(j["url_scheme"], site.scheme, "wsgi.url_scheme")
        j = probe(site, "/wsgi-scripts/foo/x")
        eq(j["group"], site.server_group + "|/wsgi-scripts/foo",
           "%%{RESOURCE} on %s" % site.url("/"))
        eq(j["script_name"], "/wsgi-scripts/foo", "SCRIPT_NAME")
    eq(probe(ctx.https, "/server/")["env"].get("HTTPS"), "on", "HTTPS param")
    check("HTTPS" not in probe(ctx.http, "/server/")["env"], "no HTTPS on http")


def https_with_curl(ctx):
    """HTTPS as a user's client sees it: curl, certificate checked."""
    r = ctx.https.curl("/server/tls?x=1")
    eq(r.status, 200, "status")
    j = r.json()
    eq(j["url_scheme"], "https", "wsgi.url_scheme")
    eq(j["group"], ctx.https.server_group, "%{SERVER} over TLS")
    if ctx.https.port == 443:
        eq(j["group"], SERVER_NAME, "%{SERVER} on 443 has no port suffix")
    r = ctx.https.curl("/flask/")
    eq(r.status, 200, "flask over TLS")
    eq(r.json()["hello_external"], "https://%s/flask/hello/x" % ctx.https.hostport,
       "url_for(_external=True) over TLS")


PATH_CASES = [
    # (request target, SCRIPT_NAME, PATH_INFO (bytes), QUERY_STRING)
    ("/wsgi-scripts/foo", "/wsgi-scripts/foo", b"", ""),
    ("/wsgi-scripts/foo/", "/wsgi-scripts/foo", b"/", ""),
    ("/wsgi-scripts/foo/bar/baz?x=1&y=%20z&x=2", "/wsgi-scripts/foo",
     b"/bar/baz", "x=1&y=%20z&x=2"),
    ("/wsgi-scripts/foo/a%20b/caf%C3%A9?q=%C3%A9%2F%26", "/wsgi-scripts/foo",
     "/a b/café".encode(), "q=%C3%A9%2F%26"),
    ("/wsgi-scripts/foo/x%3Fy%23z%25", "/wsgi-scripts/foo", b"/x?y#z%", ""),
    ("/wsgi-scripts/foo/a+b%2Bc", "/wsgi-scripts/foo", b"/a+b+c", ""),
    # normalised by the front-end; pyfpm routes on its view, not the raw URI
    ("/wsgi-scripts/x/../foo/y", "/wsgi-scripts/foo", b"/y", ""),
    ("/wsgi-scripts/./foo/y", "/wsgi-scripts/foo", b"/y", ""),
    # prefixes match whole segments: /wsgi-scripts/foobar is the "/" route's
    ("/wsgi-scripts/foobar/x", "", b"/wsgi-scripts/foobar/x", ""),
    ("/wsgi-scripts/fo", "", b"/wsgi-scripts/fo", ""),
]


def check_paths(site, cases, label):
    for target, sn, pi, query in cases:
        j = probe(site, target)
        what = "%s %s" % (label, target)
        eq(j["script_name"], sn, "SCRIPT_NAME for " + what)
        eq(bytes.fromhex(j["path_info_hex"]), pi, "PATH_INFO for " + what)
        eq(j["query"], query, "QUERY_STRING for " + what)
        eq(j["request_uri"], target, "REQUEST_URI (raw) for " + what)


def script_name_path_info(ctx):
    check_paths(ctx.http, PATH_CASES, "")
    check_paths(ctx.https, PATH_CASES[2:4], "https")


def nginx_split_path_info(ctx):
    """docs/frontends/nginx-pyfpm-split.conf, and a split at another place
    than pyfpm's prefix: the app always sees the route's prefix."""
    j = probe(ctx.extra, "/flask/env/a%20b/c?x=1&x=2")
    eq(j["script_name"], "/flask", "Flask's SCRIPT_NAME behind the split")
    eq(j["path_info"], "/env/a b/c", "Flask's PATH_INFO")
    eq(j["rest"], "a b/c", "Flask's <path:rest>")
    eq(j["args"], {"x": ["1", "2"]}, "query arguments")
    eq(j["group"], "flask", "group")
    cases = [(t, sn, pi, q) for t, sn, pi, q in PATH_CASES
             if t.startswith("/wsgi-scripts/foo")]
    check_paths(ctx.extra, cases, "split at /wsgi-scripts:")


def flask_urls(ctx):
    for site in (ctx.http, ctx.https):
        r = site.get("/flask/")
        eq(r.status, 200, "GET /flask/ (%r)" % r.body[:300])
        j = r.json()
        eq(j["group"], "flask", "group")
        eq(j["script_root"], "/flask", "request.script_root")
        eq(j["path"], "/", "request.path")
        eq(j["index"], "/flask/", "url_for('index')")
        eq(j["hello"], "/flask/hello/a%20b", "url_for('hello')")
        eq(j["static"], "/flask/static/hello.txt", "url_for('static')")
        eq(j["url"], site.url("/flask/"), "request.url")
        eq(j["hello_external"], site.url("/flask/hello/x"), "url_for(_external=True)")
        eq(j["scheme"], site.scheme, "request.scheme")
    site = ctx.http
    r = site.get("/flask/hello/caf%C3%A9%20au%20lait")
    eq((r.status, r.body), (200, "Hello café au lait\n".encode()), "hello")
    r = site.get("/flask/go")
    eq(r.status, 302, "redirect status")
    eq(r.header("Location"), "/flask/hello/redirected", "redirect Location")
    r = site.get(r.header("Location"))
    eq((r.status, r.body), (200, b"Hello redirected\n"), "redirect followed")
    r = site.get("/flask/nowhere")
    eq(r.status, 404, "Flask's own 404")


def flask_http(ctx):
    """Static file, conditional GETs, HEAD, cookies, repeated headers."""
    site = ctx.http
    with open(os.path.join(APPS, "static", "hello.txt"), "rb") as f:
        static = f.read()
    r = site.get("/flask/static/hello.txt")
    eq((r.status, r.body), (200, static), "static file")
    etag, lm = r.header("ETag"), r.header("Last-Modified")
    check(etag and lm, "ETag and Last-Modified: %r" % r.headers)
    h = site.request("HEAD", "/flask/static/hello.txt")
    eq((h.status, h.body), (200, b""), "HEAD")
    if ctx.kind == "nginx" or h.header("Content-Length") is not None:
        # Apache drops a proxied HEAD response's Content-Length
        eq(h.header("Content-Length"), str(len(static)), "HEAD's Content-Length")
    eq(h.header("ETag"), etag, "HEAD's ETag")
    r = site.get("/flask/static/hello.txt", headers=[("If-None-Match", etag)])
    eq((r.status, r.body), (304, b""), "If-None-Match")
    r = site.get("/flask/static/hello.txt", headers=[("If-Modified-Since", lm)])
    eq((r.status, r.body), (304, b""), "If-Modified-Since")
    r = site.get("/flask/etag", headers=[("If-None-Match", '"v1"')])
    eq((r.status, r.body), (304, b""), "If-None-Match on a view")
    r = site.get("/flask/etag", headers=[("If-None-Match", '"v0"')])
    eq((r.status, r.body), (200, b"versioned body\n"), "changed ETag")
    r = site.get("/flask/cookies", headers=[("Cookie", 'first=1; second="two words"'),
                                            ("X-Multi", "a"), ("X-Multi", "b")])
    eq(r.status, 200, "cookies")
    j = r.json()
    eq(j["cookies"], {"first": "1", "second": "two words"}, "cookies received")
    eq(j["multi"], ctx.repeated_request_header, "a request header sent twice")
    cookies = r.all("Set-Cookie")
    eq(len(cookies), 2, "two Set-Cookie headers: %r" % cookies)
    check(cookies[0].startswith("first=1;") and "Path=/flask/" in cookies[0],
          "first cookie, its path under the prefix: %r" % cookies[0])
    check(cookies[1].startswith('second="two words";') and "HttpOnly" in cookies[1],
          "second cookie: %r" % cookies[1])
    eq(", ".join(r.all("X-Multi")), "one, two", "a response header sent twice")


def check_stream(site, path):
    r = site.get(path)
    eq(r.status, 200, "status of " + path)
    eq(r.header("Content-Length"), None, "no Content-Length on a stream")
    eq(r.header("Transfer-Encoding"), "chunked", "chunked to the client")
    eq(len(r.body), len(STREAM_BODY), "length of the streamed body")
    eq(sha256(r.body), sha256(STREAM_BODY), "checksum of the streamed body")


def check_upload(site, path, body):
    r = site.request("POST", path, body=body,
                     headers=[("Content-Type", "application/octet-stream")],
                     timeout=120)
    eq(r.status, 200, "upload status (%r)" % r.body[:300])
    want = sha256(body)
    eq(r.header("X-Upload-Size"), str(len(body)), "size the app read")
    eq(r.header("X-Upload-SHA256"), want, "checksum the app computed")
    eq(len(r.body), len(body), "echoed size")
    eq(sha256(r.body), want, "checksum of the echoed body")


def flask_stream_upload(ctx):
    check_stream(ctx.http, "/flask/stream")
    check_stream(ctx.https, "/flask/stream")
    check_upload(ctx.http, "/flask/upload", ctx.upload)


def django_urls(ctx):
    for site in (ctx.http, ctx.https):
        r = site.get("/django/?q=1")
        eq(r.status, 200, "GET /django/ (%r)" % r.body[:300])
        j = r.json()
        eq(j["group"], "django", "group")
        eq(j["script_prefix"], "/django/", "get_script_prefix()")
        eq(j["path"], "/django/", "request.path")
        eq(j["path_info"], "/", "request.path_info")
        eq(j["full_path"], "/django/?q=1", "get_full_path()")
        eq(j["index"], "/django/", "reverse('index')")
        eq(j["item"], "/django/item/a%20b/", "reverse('item')")
        eq(j["form_absolute"], site.url("/django/form/"), "build_absolute_uri()")
        eq(j["scheme"], site.scheme, "request.scheme")
        eq(j["secure"], site.scheme == "https", "request.is_secure()")
    site = ctx.http
    j = probe(site, "/django/item/caf%C3%A9/")
    eq(j["name"], "café", "URL argument")
    eq(j["path"], "/django/item/café/", "request.path")
    eq(j["script_name"], "/django", "SCRIPT_NAME")
    eq(j["path_info"], "/item/café/", "request.META PATH_INFO (Django decodes it)")
    r = site.get("/django/form")
    eq(r.status, 301, "APPEND_SLASH redirect")
    eq(r.header("Location"), "/django/form/", "APPEND_SLASH Location")
    r = site.get("/django/nowhere/")
    eq(r.status, 404, "Django's own 404")


def csrf_post(site):
    r = site.get("/django/form/")
    eq(r.status, 200, "GET the form")
    token = None
    for c in r.all("Set-Cookie"):
        if c.startswith("csrftoken="):
            token = c.split(";")[0].split("=", 1)[1]
    check(token, "csrftoken cookie set: %r" % r.all("Set-Cookie"))
    m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', r.body)
    check(m, "token in the form: %r" % r.body)
    check(b'action="/django/form/"' in r.body, "form action under the prefix")
    referer = [("Referer", site.url("/django/form/"))]
    form = [("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "csrftoken=" + token)] + referer
    r = site.request("POST", "/django/form/", body=b"note=hello+world",
                     headers=form)
    eq(r.status, 403, "POST without the form's token")
    body = b"csrfmiddlewaretoken=" + m.group(1) + b"&note=hello+world"
    if site.scheme == "https":
        r = site.request("POST", "/django/form/", body=body, headers=form[:2])
        eq(r.status, 403, "HTTPS POST without Referer (Django sees it is HTTPS)")
    r = site.request("POST", "/django/form/", body=body, headers=form)
    eq(r.status, 302, "POST with the token (%r)" % r.body[:500])
    eq(r.header("Location"), "/django/done/?note=hello+world", "redirect after POST")
    r = site.get(r.header("Location"))
    eq((r.status, r.body), (200, b"done: hello world\n"), "the page after POST")


def django_csrf(ctx):
    csrf_post(ctx.http)
    csrf_post(ctx.https)


def django_http(ctx):
    site = ctx.http
    r = site.get("/django/etag/")
    eq((r.status, r.body), (200, b"versioned body\n"), "etag view")
    eq(r.header("ETag"), '"v1"', "ETag")
    r = site.get("/django/etag/", headers=[("If-None-Match", '"v1"')])
    eq((r.status, r.body), (304, b""), "If-None-Match")
    h = site.request("HEAD", "/django/etag/")
    eq((h.status, h.body), (200, b""), "HEAD")
    eq(h.header("ETag"), '"v1"', "HEAD's ETag")
    r = site.get("/django/cookies/", headers=[("Cookie", "first=1; third=3"),
                                              ("X-Multi", "a"), ("X-Multi", "b")])
    eq(r.status, 200, "cookies")
    j = r.json()
    eq(j["cookies"], {"first": "1", "third": "3"}, "cookies received")
    eq(j["multi"], ctx.repeated_request_header, "a request header sent twice")
    cookies = r.all("Set-Cookie")
    eq(len(cookies), 2, "two Set-Cookie headers: %r" % cookies)
    check(any(c.startswith("first=1;") and "Path=/django/" in c for c in cookies),
          "first cookie, its path under the prefix: %r" % cookies)
    check(any(c.startswith('second="two words";') for c in cookies),
          "second cookie: %r" % cookies)


def django_stream_upload(ctx):
    check_stream(ctx.http, "/django/stream/")
    check_upload(ctx.http, "/django/upload/", ctx.upload)


def wait_until(fn, timeout=3.0):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.02)


def connection_reuse(ctx):
    """Reuse on: FastCGI connections stay open and serve many requests,
    also after a request whose body the app never read.  Off: each
    request's connection is closed when it is done."""
    site, pyfpm = ctx.http, ctx.pyfpm
    n = 12
    before = fcgi_connections(pyfpm)    # kept by earlier cases
    seen = set()
    for i in range(n):
        if i in (4, 8):
            # a body the app leaves unread: pyfpm drains it (here 512 KiB;
            # above 1 MiB it closes the connection instead)
            size = 512 * 1024 if i == 4 else 3 * 1024 * 1024
            r = site.request("POST", "/wsgi-scripts/foo/noread?noread",
                             body=b"x" * size)
            eq(r.status, 200, "POST with an unread %d-byte body" % size)
            eq(r.json()["body_len"], 0, "the app did not read it")
        j = probe(site, "/wsgi-scripts/foo/reuse/%d" % i)
        eq(j["path_info"], "/reuse/%d" % i, "PATH_INFO on request %d" % i)
        if ctx.reuse:
            seen |= fcgi_connections(pyfpm)
        else:
            left = wait_until(lambda: not fcgi_connections(pyfpm))
            check(left, "reuse off: no FastCGI connection left open after "
                  "request %d: %r" % (i, fcgi_connections(pyfpm)))
    if ctx.reuse:
        idle = fcgi_connections(pyfpm)
        check(idle, "reuse on: an idle FastCGI connection is kept open")
        new = seen - before
        check(len(new) <= n // 2, "reuse on: %d requests opened %d new "
              "connections (%d were open before)" % (n + 2, len(new), len(before)))
        say("%d requests: %d FastCGI connection(s) open before, %d opened" % (
            n + 2, len(before), len(new)))


def concurrent_clients(ctx):
    """32 clients at once, more than pyfpm's 2 x 4 threads (and, with
    reuse, more kept connections than threads): every answer right, none
    stalled."""
    site = ctx.http
    jobs = [("/wsgi-scripts/foo/c/%d" % i, "/~user%d/c" % (i % 5)) for i in range(150)]
    errors, slowest = [], [0.0]
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not jobs or errors:
                    return
                a, b = jobs.pop()
            for path in (a, b):
                t = time.time()
                try:
                    j = probe(site, path)
                    eq(j["path_info"], path[len("/wsgi-scripts/foo"):]
                       if path.startswith("/wsgi-scripts/foo") else path, "PATH_INFO")
                except Exception as e:
                    with lock:
                        errors.append("%s: %r" % (path, e))
                    return
                with lock:
                    slowest[0] = max(slowest[0], time.time() - t)

    threads = [threading.Thread(target=work) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eq(errors, [], "errors")
    check(slowest[0] < 5, "slowest request took %.2fs" % slowest[0])
    say("300 requests from 32 clients, slowest %.3fs, %d FastCGI connections "
        "open after" % (slowest[0], len(fcgi_connections(ctx.pyfpm))))


def client_gone(ctx):
    """A client that leaves mid-response: pyfpm closes the app's iterable
    (PEP 3333), at once.  One that leaves mid-upload: the app's read fails
    (Apache streams bodies; nginx buffers them first), nothing breaks."""
    site = ctx.http
    for i in range(2):
        mark = os.path.join(ctx.workdir, "closed-%s-%d" % (ctx.transport, i))
        s = socket.create_connection((site.ip, site.real_port), timeout=30)
        s.sendall(("GET /wsgi-scripts/foo/s?stream=5000&mark=%s HTTP/1.1\r\n"
                   "Host: %s\r\n\r\n" % (mark, site.hostport)).encode())
        got = 0
        while got < 200000:
            d = s.recv(65536)
            check(d, "the stream ended early, after %d bytes" % got)
            got += len(d)
        s.close()
        check(wait_until(lambda: os.path.exists(mark), 10),
              "the app's iterable was not closed 10s after the client left")
        with open(mark) as f:
            sent = int(f.read())
        check(sent < 5000, "the stream stopped when the client left "
              "(%d of 5000 chunks)" % sent)
    for query in ("", "?noread"):
        s = socket.create_connection((site.ip, site.real_port), timeout=30)
        s.sendall(("POST /wsgi-scripts/foo/u%s HTTP/1.1\r\nHost: %s\r\n"
                   "Content-Length: 10000000\r\n\r\n" % (query, site.hostport)
                   ).encode() + b"x" * 1000000)
        time.sleep(0.2)
        s.close()
    time.sleep(0.3)
    for i in range(10):
        eq(probe(site, "/wsgi-scripts/foo/after/%d" % i)["path_info"],
           "/after/%d" % i, "a request after the aborted ones")


def body_over_max_body(ctx):
    """A body over max_body (100M in pyfpm.yaml, client_max_body_size 100m
    in nginx): 413, before the app runs, and the next requests are fine."""
    body = bytes(100 * 1024 * 1024 + 1)
    for path in ("/flask/upload", "/wsgi-scripts/foo/big"):
        r = ctx.http.request("POST", path, body=body, timeout=120)
        eq(r.status, 413, "status of a %d-byte POST to %s" % (len(body), path))
    for i in range(5):
        eq(probe(ctx.http, "/wsgi-scripts/foo/next/%d" % i)["path_info"],
           "/next/%d" % i, "a request after the 413s")


def frontend_log_clean(ctx):
    problems = [l for l in ctx.frontend.problems() if not ctx.allowed_error(l)]
    eq(problems, [], "%s error log" % ctx.kind)


# client_gone() aborts uploads that Apache streams to the app: the app's
# read raises this, pyfpm logs the traceback.  Nothing else may.
GONE = "OSError: client went away while sending the request body"


LEAK_BLOCK = re.compile(r"^(Direct|Indirect) leak of .*?(?=^\s*$)", re.M | re.S)
OUR_FRAME = re.compile(r"#[0-9]+ 0x[0-9a-f]+ in \S+ (\S*/)?(server|common|config)/"
                       r"[\w/]+\.c:\d+")
ALLOC_FRAME = re.compile(r"#0 0x[0-9a-f]+ in (__interceptor_|__asan_|__lsan_)?"
                         r"(malloc|calloc|realloc|strdup|strndup|posix_memalign)")


def our_leaks(text):
    """LeakSanitizer blocks whose memory pyfpm's own code allocated (frame
    #0 an allocator, frame #1 in server/, common/ or config/).  Leaks that
    libpython allocated (3.11 does not free all of a sub-interpreter's
    objects at Py_EndInterpreter/Py_FinalizeEx) are CPython's."""
    out = []
    for m in LEAK_BLOCK.finditer(text):
        frames = [l.strip() for l in m.group(0).splitlines() if l.strip().startswith("#")]
        if len(frames) >= 2 and ALLOC_FRAME.search(frames[0]) and \
                OUR_FRAME.search(frames[1]):
            out.append(m.group(0))
    return out


def stop_pyfpms(pyfpms, aborted_uploads):
    for p in pyfpms:
        eq(p.stop(), 0, "%s's exit status after SIGTERM" % p.name)
        text = p.log_text()
        for bad in ("ERROR: AddressSanitizer", "runtime error:",
                    "Fatal Python error", "Segmentation", "died", "killed"):
            check(bad not in text, "%r in %s's log:\n%s" % (
                bad, p.name, text[max(0, text.find(bad) - 2000):][:5000]))
        leaks = our_leaks(text)
        eq(leaks, [], "LeakSanitizer: leaks allocated by pyfpm's code in %s"
           % p.name)
        if "LeakSanitizer" in text:
            say("%s: LeakSanitizer reported only memory libpython allocated"
                % p.name)
        tracebacks = text.count("Traceback (most recent call last)")
        gone = text.count(GONE)
        eq(tracebacks, gone if aborted_uploads else 0,
           "tracebacks in %s's log (other than %r):\n%s" % (
               p.name, GONE, text[max(0, text.find("Traceback") - 500):][:5000]))


# --- the runner --------------------------------------------------------------------------

def choose_sites(ctx, ports, first_ip, cert):
    ip = standard_ip(first_ip) if ports == "standard" else None
    if ports == "standard" and ip:
        ctx.http = Site("http", 80, ip, 80)
        ctx.https = Site("https", 443, ip, 443, cafile=cert)
    elif ports == "standard":
        # not root: a port-forward from 80/443 to high ports
        ctx.http = Site("http", 80, "127.0.0.1", free_port())
        ctx.https = Site("https", 443, "127.0.0.1", free_port(), cafile=cert)
    else:
        p, q = free_port(), free_port()
        ctx.http = Site("http", p, "127.0.0.1", p)
        ctx.https = Site("https", q, "127.0.0.1", q, cafile=cert)
    x = free_port()
    ctx.extra = Site("http", x, "127.0.0.1", x)


def run_combo(suite, kind, wd, pyfpms, cert, key, upload, transport, reuse,
              ports, first_ip):
    ctx = Ctx()
    ctx.kind, ctx.transport, ctx.reuse = kind, transport, reuse
    ctx.pyfpm = pyfpms[transport]
    ctx.upload = upload
    ctx.workdir = wd.path
    choose_sites(ctx, ports, first_ip, cert)
    label = "%s %s reuse=%s %s" % (kind, transport, "on" if reuse else "off",
                                   "http:80 https:443" if ports == "standard"
                                   else "high ports")

    if kind == "nginx":
        v = nginx_version()
        # nginx < 1.23 sends a repeated header as two params; pyfpm keeps
        # the last (SPEC).  1.23+ joins them, as Apache does.
        ctx.repeated_request_header = "a, b" if v >= (1, 23) else "b"
        # body_over_max_body(): nginx refuses it itself, and says so
        ctx.allowed_error = lambda line: (
            "client intended to send too large body" in line)
    else:
        ctx.repeated_request_header = "a, b"
        # client_gone(): Apache's own word on the uploads the client aborted
        ctx.allowed_error = lambda line: (
            "AH01075: Error dispatching request" in line and
            "(reading input brigade)" in line)

    def start():
        for attempt in range(3):
            sub = wd.child("%s-%s-%s-%d" % (kind, transport,
                                            "on" if reuse else "off", attempt))
            listens = [(x.ip, x.real_port)
                       for x in (ctx.http, ctx.https, ctx.extra)]
            try:
                if kind == "nginx":
                    http, files = nginx_config(ctx, sub, cert, key)
                    ctx.frontend = Nginx(sub, http, files, listens)
                else:
                    ctx.frontend = Apache(sub, apache_config(ctx, sub, cert, key),
                                          listens)
                break
            except RuntimeError as e:
                # a free port taken by someone else in the meantime
                if attempt == 2 or "in use" not in str(e):
                    raise
                say("retrying with other ports: %s" % str(e).splitlines()[0])
                choose_sites(ctx, ports, first_ip, cert)
        say("%s: http %s, https %s" % (kind, ctx.http.url("/"), ctx.https.url("/"))
            + (" (really on %d/%d)" % (ctx.http.real_port, ctx.https.real_port)
               if ctx.http.port != ctx.http.real_port else ""))

    ctx.frontend = None
    if not suite.case("%s: start %s from docs/frontends" % (label, kind), start):
        return
    suite.logs = [lambda: ("%s error log" % kind, ctx.frontend.log_text()),
                  lambda: ("%s log" % ctx.pyfpm.name, ctx.pyfpm.log_text())]
    try:
        if not suite.frameworks_checked:
            suite.frameworks_checked = True
            suite.case("embedded Python imports flask and django",
                       frameworks_importable, ctx.http)
        for name, fn in [
            ("per-user groups ~alice ~bob (seed)", per_user_groups),
            ("SetEnv / fastcgi_param groups, %{GLOBAL}", setenv_groups),
            ("%{SERVER} and %{RESOURCE}", server_and_resource),
            ("HTTPS through curl", https_with_curl),
            ("SCRIPT_NAME/PATH_INFO, query, percent-encoding", script_name_path_info),
        ] + ([("fastcgi_split_path_info", nginx_split_path_info)]
             if kind == "nginx" else []) + [
            ("Flask URLs under /flask", flask_urls),
            ("Flask static, HEAD, conditional GET, cookies, headers", flask_http),
            ("Flask stream and 50 MB upload", flask_stream_upload),
            ("Django URLs under /django", django_urls),
            ("Django form POST with CSRF", django_csrf),
            ("Django HEAD, conditional GET, cookies", django_http),
            ("Django stream and 50 MB upload", django_stream_upload),
            ("FastCGI connection reuse %s" % ("on" if reuse else "off"),
             connection_reuse),
            ("32 concurrent clients", concurrent_clients),
            ("client gone mid-response and mid-upload", client_gone),
            ("body over max_body: 413", body_over_max_body),
        ]:
            suite.case("%s: %s" % (label, name), fn, ctx)
    finally:
        ctx.frontend.stop()
    suite.case("%s: %s error log clean after stop" % (label, kind),
               frontend_log_clean, ctx)
    suite.logs = []


def main(kind):
    suite = Suite("e2e " + kind)
    suite.frameworks_checked = False
    wd = Workdir("pyfpm-e2e-%s-" % kind)
    pyfpms = {}
    first_ip = {"nginx": 20, "apache": 40}[kind]
    try:
        tcp_listen = "127.0.0.1:%d" % free_port()
        unix_listen = "unix:%s/pyfpm.sock" % wd.path

        def start_pyfpms():
            need_tools("nginx" if kind == "nginx" else "apache2", "curl", "openssl")
            pyfpms["tcp"] = Pyfpm(wd, "pyfpm-tcp", pyfpm_yaml(tcp_listen), tcp_listen)
            pyfpms["unix"] = Pyfpm(wd, "pyfpm-unix", pyfpm_yaml(unix_listen),
                                   unix_listen)

        if not suite.case("start pyfpm over TCP and a unix socket "
                          "(docs/frontends/pyfpm.yaml)", start_pyfpms):
            return suite.finish()
        cert, key = make_cert(wd)
        upload = os.urandom(UPLOAD_SIZE)
        for transport, reuse, ports in COMBOS:
            run_combo(suite, kind, wd, pyfpms, cert, key, upload,
                      transport, reuse, ports, first_ip)
        suite.case("pyfpm stops on SIGTERM with status 0; logs: no "
                   "traceback, no sanitizer report", stop_pyfpms,
                   list(pyfpms.values()), kind == "apache")
    finally:
        for p in pyfpms.values():
            p.stop()
        wd.cleanup()
    return suite.finish()
