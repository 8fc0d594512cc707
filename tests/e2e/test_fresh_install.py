"""End-to-end, as a new user on Debian would do it: the stock nginx.conf
and apache2.conf (copied from /etc, so the system's own servers are never
touched), the README's files dropped where the README says (conf.d/,
sites-enabled/ after `a2enmod proxy_fcgi rewrite ssl`), placeholders
filled in, nothing else changed but where the servers write pids and logs
and the address they listen on.  A Flask app under /flask and a Django app
under /django must come out with correct URLs, over HTTP and HTTPS.
"""
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2etest import (IS_ROOT, NGINX_FASTCGI_PARAMS, SERVER_NAME,  # noqa: E402
                     Proc, Pyfpm, Site, Suite, Workdir, check, doc, eq,
                     free_port, make_cert, need_tools, render, say,
                     standard_ip, wait_connect, web_user)
import cases  # noqa: E402

ETC_NGINX = os.environ.get("ETC_NGINX", "/etc/nginx")
ETC_APACHE = os.environ.get("ETC_APACHE", "/etc/apache2")


def sites(first_ip, cert):
    ip = standard_ip(first_ip)
    if ip:
        return (Site("http", 80, ip, 80),
                Site("https", 443, ip, 443, cafile=cert))
    p, q = free_port(), free_port()
    return (Site("http", p, "127.0.0.1", p),
            Site("https", q, "127.0.0.1", q, cafile=cert))


def sub_once(text, pattern, repl):
    new, n = re.subn(pattern, repl, text, count=1, flags=re.M)
    check(n == 1, "stock config: %r not found" % pattern)
    return new


class StockNginx:
    """/etc/nginx/nginx.conf with its pid, logs and includes moved into
    the temp dir; conf.d/ gets the README's files."""

    def __init__(self, wd, pyfpm, http, https, cert, key):
        d = self.dir = wd.sub("nginx")
        for sub in ("conf.d", "sites-enabled", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(ETC_NGINX, "nginx.conf")) as f:
            conf = f.read()
        conf = sub_once(conf, r"^pid .*;$", "pid %s/nginx.pid;" % d)
        conf = sub_once(conf, r"^error_log .*;$", "error_log %s/error.log;" % d)
        conf = sub_once(conf, r"^(\s*)access_log .*;$", r"\1access_log %s/access.log;" % d)
        conf = sub_once(conf, r"include /etc/nginx/conf\.d/\*\.conf;",
                        "include %s/conf.d/*.conf;" % d)
        conf = sub_once(conf, r"include /etc/nginx/sites-enabled/\*;",
                        "include %s/sites-enabled/*;" % d)
        if IS_ROOT:
            conf = sub_once(conf, r"^user .*;$", "user %s;" % web_user()[0])
        else:
            conf = sub_once(conf, r"^user .*;$", "")
            # the compiled-in /var/lib/nginx temp paths are root's
            conf = sub_once(conf, r"^http \{$", "http {\n" + "".join(
                "\t%s_temp_path %s/tmp/%s;\n" % (t, d, t)
                for t in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi")))
        self.conf = os.path.join(d, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        # "include fastcgi_params" is relative to nginx.conf's directory
        shutil.copy(NGINX_FASTCGI_PARAMS, os.path.join(d, "fastcgi_params"))
        with open(os.path.join(d, "conf.d", "pyfpm.conf"), "w") as f:
            f.write(render(doc("nginx-pyfpm.conf"), PYFPM=pyfpm.nginx_address(),
                           PORT="%s:%d" % (http.ip, http.real_port),
                           SERVER_NAME=SERVER_NAME))
        with open(os.path.join(d, "conf.d", "pyfpm-tls.conf"), "w") as f:
            f.write(render(doc("nginx-pyfpm-tls.conf"),
                           TLS_PORT="%s:%d" % (https.ip, https.real_port),
                           SERVER_NAME=SERVER_NAME, CERT=cert, KEY=key))
        argv = ["nginx", "-p", d + "/", "-e", os.path.join(d, "error.log"),
                "-c", self.conf, "-g", "daemon off;"]
        self.proc = Proc("nginx", argv, os.path.join(d, "stdout.log"))
        for s in (http, https):
            wait_connect((s.ip, s.real_port), self.proc)

    def log_text(self):
        with open(os.path.join(self.dir, "error.log")) as f:
            return f.read()

    def stop(self):
        self.proc.stop()


def a2enmod(d, module):
    """What a2enmod does: link mods-available/MODULE.{load,conf} into
    mods-enabled, dependencies ("# Depends:") first."""
    avail = os.path.join(ETC_APACHE, "mods-available")
    load = os.path.join(avail, module + ".load")
    with open(load) as f:
        m = re.search(r"^# Depends:(.*)$", f.read(), re.M)
    for dep in (m.group(1).split() if m else []):
        a2enmod(d, dep)
    for ext in (".load", ".conf"):
        src = os.path.join(avail, module + ext)
        dst = os.path.join(d, "mods-enabled", module + ext)
        if os.path.exists(src) and not os.path.lexists(dst):
            os.symlink(src, dst)


class StockApache:
    """/etc/apache2 as Debian installs it, copied: apache2.conf,
    mods-enabled, conf-enabled; envvars' values point into the temp dir;
    ports.conf lists this test's addresses (Debian's says Listen 80 / 443)."""

    def __init__(self, wd, pyfpm, http, https, cert, key):
        d = self.dir = wd.sub("apache2")
        shutil.copy(os.path.join(ETC_APACHE, "apache2.conf"), d)
        for sub in ("mods-enabled", "conf-enabled"):
            os.makedirs(os.path.join(d, sub))
            src = os.path.join(ETC_APACHE, sub)
            for name in os.listdir(src):
                os.symlink(os.path.realpath(os.path.join(src, name)),
                           os.path.join(d, sub, name))
        os.makedirs(os.path.join(d, "sites-enabled"))
        for module in ("proxy_fcgi", "rewrite", "ssl"):
            a2enmod(d, module)
        with open(os.path.join(d, "ports.conf"), "w") as f:
            f.write("Listen %s:%d\n<IfModule ssl_module>\n\tListen %s:%d\n"
                    "</IfModule>\n" % (http.ip, http.real_port, https.ip,
                                       https.real_port))
        url = pyfpm.apache_url()
        with open(os.path.join(d, "sites-enabled", "pyfpm.conf"), "w") as f:
            f.write(render(doc("apache-pyfpm.conf"), PORT=http.real_port,
                           SERVER_NAME=SERVER_NAME, PYFPM_URL=url))
        with open(os.path.join(d, "sites-enabled", "pyfpm-tls.conf"), "w") as f:
            f.write(render(doc("apache-pyfpm-tls.conf"), TLS_PORT=https.real_port,
                           SERVER_NAME=SERVER_NAME, CERT=cert, KEY=key,
                           PYFPM_URL=url))
        user, group = web_user()
        env = dict(os.environ, APACHE_RUN_USER=user, APACHE_RUN_GROUP=group,
                   APACHE_PID_FILE=os.path.join(d, "apache2.pid"),
                   APACHE_RUN_DIR=d, APACHE_LOCK_DIR=d, APACHE_LOG_DIR=d,
                   LANG="C")
        argv = ["apache2", "-d", d, "-f", os.path.join(d, "apache2.conf"),
                "-DFOREGROUND"]
        self.proc = Proc("apache2", argv, os.path.join(d, "stdout.log"), env=env)
        for s in (http, https):
            wait_connect((s.ip, s.real_port), self.proc)

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        self.proc.stop()


def urls_are_right(http, https):
    """The acceptance check: the apps under their prefixes, right URLs."""
    for site in (http, https):
        r = site.get("/flask/")
        eq(r.status, 200, "GET %s (%r)" % (site.url("/flask/"), r.body[:300]))
        j = r.json()
        eq(j["index"], "/flask/", "url_for('index')")
        eq(j["hello"], "/flask/hello/a%20b", "url_for('hello')")
        eq(j["static"], "/flask/static/hello.txt", "url_for('static')")
        eq(j["hello_external"], site.url("/flask/hello/x"), "url_for(_external=True)")
        r = site.get("/flask/go")
        eq((r.status, r.header("Location")), (302, "/flask/hello/redirected"),
           "Flask redirect")
        r = site.get("/flask/static/hello.txt")
        eq((r.status, r.body), (200, b"Hello from a static file.\n"), "static")
        j = cases.probe(site, "/django/")
        eq(j["item"], "/django/item/a%20b/", "reverse()")
        eq(j["form_absolute"], site.url("/django/form/"), "build_absolute_uri()")
        r = site.get("/django/form")
        eq((r.status, r.header("Location")), (301, "/django/form/"), "APPEND_SLASH")
        cases.csrf_post(site)
        j = cases.probe(site, "/~alice/notes")
        eq((j["group"], j["script_name"], j["path_info"]),
           ("~alice", "", "/~alice/notes"), "per-user group")
        eq(j["url_scheme"], site.scheme, "wsgi.url_scheme")


def run(suite, wd, kind, pyfpm, cert, key, first_ip):
    http, https = sites(first_ip, cert)
    label = "%s, stock config + README files, http:%d https:%d" % (
        kind, http.port, https.port)
    server = []

    def start():
        cls = StockNginx if kind == "nginx" else StockApache
        server.append(cls(wd, pyfpm, http, https, cert, key))

    if suite.case("%s: starts" % label, start):
        suite.logs = [lambda: ("%s error log" % kind, server[0].log_text()),
                      lambda: ("pyfpm log", pyfpm.log_text())]
        try:
            suite.case("%s: Flask and Django under their prefixes, correct "
                       "URLs, per-user group" % label, urls_are_right, http, https)
        finally:
            server[0].stop()
            suite.logs = []


def main():
    suite = Suite("e2e fresh install")
    wd = Workdir("pyfpm-e2e-fresh-")
    pyfpm = []
    try:
        def start_pyfpm():
            need_tools("nginx", "apache2", "curl", "openssl")
            check(os.path.exists(os.path.join(ETC_NGINX, "nginx.conf")) and
                  os.path.exists(os.path.join(ETC_APACHE, "apache2.conf")),
                  "Debian's stock /etc/nginx and /etc/apache2 are needed")
            listen = "unix:%s/pyfpm.sock" % wd.path
            pyfpm.append(Pyfpm(wd, "pyfpm", cases.pyfpm_yaml(listen), listen))

        if suite.case("pyfpm from docs/frontends/pyfpm.yaml on a unix socket",
                      start_pyfpm):
            cert, key = make_cert(wd)
            run(suite, wd, "nginx", pyfpm[0], cert, key, 60)
            run(suite, wd, "apache", pyfpm[0], cert, key, 70)
            say("pyfpm log tail:\n" + "\n".join(pyfpm[0].log_text().splitlines()[-3:]))
    finally:
        for p in pyfpm:
            p.stop()
        wd.cleanup()
    return suite.finish()


if __name__ == "__main__":
    sys.exit(main())
