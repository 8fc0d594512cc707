"""Helpers for pyfpm's end-to-end tests: the real pyfpm behind real nginx
and Apache, started as plain processes on free loopback ports with configs
written into a temp dir from the files users paste (docs/frontends/).

Standard library only (it runs under any python3); the apps it serves need
Flask and Django in the Python pyfpm embeds.  Nothing here skips: a missing
tool or framework is a failure that says what is missing.
"""
import atexit
import ctypes
import grp
import hashlib
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("top_srcdir") or
                         os.path.join(HERE, "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("top_builddir") or SRCDIR)
PYFPM = os.environ.get("PYFPM") or os.path.join(BUILDDIR, "pyfpm")
E2E = os.path.join(SRCDIR, "tests", "e2e")
APPS = os.path.join(E2E, "apps")
DOCS = os.path.join(SRCDIR, "docs", "frontends")
SERVER_NAME = "www.example.com"
IS_ROOT = os.geteuid() == 0
APACHE_MODULES = os.environ.get("APACHE_MODULES", "/usr/lib/apache2/modules")
NGINX_FASTCGI_PARAMS = os.environ.get("NGINX_FASTCGI_PARAMS",
                                      "/etc/nginx/fastcgi_params")
KEEP = os.environ.get("E2E_KEEP") == "1"   # keep temp dirs, for debugging


def say(msg):
    """A TAP comment line."""
    for line in str(msg).splitlines() or [""]:
        print("# " + line)
    sys.stdout.flush()


# --- processes ------------------------------------------------------------

_live = []


def _pdeathsig():
    # Children die with us, even if make's timeout kills us with SIGKILL.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Proc:
    """A child process with its output in a log file; stopped by its pid."""

    def __init__(self, name, argv, log, env=None, stop_sig=signal.SIGTERM):
        self.name, self.argv, self.log = name, argv, log
        self.stop_sig = stop_sig
        self.logf = open(log, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL,
                                     preexec_fn=_pdeathsig)
        self.pid = self.proc.pid
        _live.append(self)

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=20):
        if self in _live:
            _live.remove(self)
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, self.stop_sig)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.logf.close()
        return self.proc.returncode


def stop_all():
    for p in list(reversed(_live)):
        try:
            p.stop()
        except Exception:
            pass


atexit.register(stop_all)


def _on_signal(sig, frame):
    raise SystemExit("e2e: killed by signal %d" % sig)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def wait_connect(addr, proc, timeout=20):
    """Until addr (("ip", port) or a unix path) accepts connections."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not proc.alive():
            raise RuntimeError("%s exited with %s:\n%s" % (
                proc.name, proc.proc.returncode, proc.log_text()[-4000:]))
        try:
            if isinstance(addr, str):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            else:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(1)
            s.connect(addr)
            s.close()
            return
        except OSError:
            s.close()
            time.sleep(0.05)
    raise RuntimeError("%s does not accept connections on %r:\n%s" % (
        proc.name, addr, proc.log_text()[-4000:]))


# --- work dirs, ports, users --------------------------------------------------

class Workdir:
    """A temp dir that the web servers' users can traverse."""

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.path, 0o755)

    def child(self, name):
        """A Workdir for a new subdirectory (removed with this one)."""
        w = Workdir.__new__(Workdir)
        w.path = self.sub(name)
        return w

    def sub(self, *parts):
        p = os.path.join(self.path, *parts)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, 0o755)
        return p

    def file(self, name, text):
        p = os.path.join(self.path, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def cleanup(self):
        if KEEP:
            say("kept " + self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def web_user():
    """(user, group) the front-ends' workers run as: www-data when root,
    as on Debian; else whoever runs the tests."""
    if IS_ROOT:
        try:
            pw = pwd.getpwnam("www-data")
            return pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name
        except KeyError:
            return "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    pw = pwd.getpwuid(os.geteuid())
    return pw.pw_name, grp.getgrgid(os.getegid()).gr_name


def bindable(ip, port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port(ip="127.0.0.1"):
    s = socket.socket()
    s.bind((ip, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def standard_ip(first):
    """A loopback address where 80 and 443 are free (root only), else None.
    Each test script starts at its own `first` so parallel scripts differ."""
    if not IS_ROOT:
        return None
    for last in list(range(first, 250)) + list(range(2, first)):
        ip = "127.0.0.%d" % last
        if bindable(ip, 80) and bindable(ip, 443):
            return ip
    return None


# --- templates (the docs' config files) ----------------------------------------

PLACEHOLDER = re.compile(r"@[A-Z][A-Z0-9_]*@")


def doc(name):
    with open(os.path.join(DOCS, name)) as f:
        return f.read()


def render(text, **values):
    """Fills @NAME@ placeholders; every one must be given, every value used."""
    for k, v in values.items():
        key = "@%s@" % k
        if key not in text:
            raise AssertionError("placeholder %s not in the template" % key)
        text = text.replace(key, str(v))
    left = PLACEHOLDER.findall(text)
    if left:
        raise AssertionError("placeholders left unfilled: %s" % sorted(set(left)))
    return text


def edit_once(text, old, new):
    """Replaces old, which must occur exactly once (so doc edits that would
    make a test variant meaningless fail loudly)."""
    n = text.count(old)
    if n != 1:
        raise AssertionError("expected %r once in the doc config, found %d" % (old, n))
    return text.replace(old, new)


# --- pyfpm -----------------------------------------------------------------------

class Pyfpm:
    """The real pyfpm with a YAML config; listen is "IP:PORT" or "unix:PATH"."""

    def __init__(self, wd, name, yaml_text, listen):
        self.name = name
        self.listen = listen
        self.config = wd.file(name + ".yaml", yaml_text)
        self.log = os.path.join(wd.path, name + ".log")
        check = subprocess.run([PYFPM, "-t", "-c", self.config],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise AssertionError("pyfpm -t rejects %s:\n%s%s\n--- config ---\n%s" % (
                self.config, check.stdout, check.stderr, yaml_text))
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"   # keep the source tree clean
        self.proc = Proc(name, [PYFPM, "-c", self.config], self.log, env=env)
        wait_connect(self.address(), self.proc)

    def address(self):
        if self.listen.startswith("unix:"):
            return self.listen[5:]
        host, _, port = self.listen.rpartition(":")
        return (host, int(port))

    def nginx_address(self):
        return self.listen       # nginx spells both forms the same way

    def apache_url(self):
        if self.listen.startswith("unix:"):
            return '"%s|fcgi://localhost/"' % self.listen
        return "fcgi://%s/" % self.listen

    def log_text(self):
        return self.proc.log_text()

    def stop(self):
        return self.proc.stop(30)


def pyfpm_python():
    """`pyfpm -v`'s python line."""
    out = subprocess.run([PYFPM, "-v"], capture_output=True, text=True)
    for line in (out.stdout + out.stderr).splitlines():
        if line.startswith("python"):
            return line
    return "(pyfpm -v printed no python line: %r)" % (out.stdout + out.stderr)


def need_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None and
               not os.path.exists(t)]
    if missing:
        raise AssertionError("missing %s: the e2e suite needs nginx, apache2, "
                             "curl and openssl installed (.ci/run installs "
                             "them)" % ", ".join(missing))


# --- nginx -------------------------------------------------------------------------

NGINX_MAIN = """# written by tests/e2e: what a fresh /etc/nginx/nginx.conf provides
{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp/body;
    fastcgi_temp_path {d}/tmp/fastcgi;
    proxy_temp_path {d}/tmp/proxy;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
{http}
}}
"""


class Nginx:
    """nginx with a main config like Debian's and `http` inside http {}.
    files: {name: text} written beside nginx.conf (includes are relative
    to it, so "include fastcgi_params" finds ours)."""

    def __init__(self, wd, http, files, listens):
        self.dir = wd.sub("nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        user = ""
        if IS_ROOT:
            user = "user %s %s;" % web_user()
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(NGINX_MAIN.format(user=user, d=self.dir, http=http))
        self.error_log = os.path.join(self.dir, "error.log")
        t = subprocess.run(["nginx", "-t", "-p", self.dir + "/", "-e",
                            self.error_log, "-c", self.conf],
                           capture_output=True, text=True)
        if t.returncode != 0:
            raise AssertionError("nginx -t failed:\n%s\n--- nginx.conf ---\n%s" % (
                t.stderr, self.config_text()))
        self.proc = Proc("nginx", ["nginx", "-p", self.dir + "/", "-e",
                                   self.error_log, "-c", self.conf],
                         os.path.join(self.dir, "stdout.log"),
                         stop_sig=signal.SIGTERM)
        try:
            for addr in listens:
                wait_connect(addr, self.proc)
        except RuntimeError as e:
            self.proc.stop()
            raise RuntimeError("%s\n--- error.log ---\n%s" % (e, self.log_text()))

    def config_text(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            p = os.path.join(self.dir, name)
            if os.path.isfile(p) and (name.endswith(".conf") or name == "fastcgi_params"):
                with open(p) as f:
                    out.append("--- %s ---\n%s" % (name, f.read()))
        return "\n".join(out)

    def log_text(self):
        with open(self.error_log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def problems(self):
        """error_log lines at level error or worse."""
        return [l for l in self.log_text().splitlines()
                if re.search(r"\[(error|crit|alert|emerg)\]", l)]

    def stop(self):
        return self.proc.stop()


# --- Apache ------------------------------------------------------------------------

APACHE_MODULE_LIST = [
    ("mpm_event_module", "mod_mpm_event.so"),
    ("unixd_module", "mod_unixd.so"),
    ("log_config_module", "mod_log_config.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("env_module", "mod_env.so"),
    ("setenvif_module", "mod_setenvif.so"),
    ("rewrite_module", "mod_rewrite.so"),
    ("headers_module", "mod_headers.so"),
    ("proxy_module", "mod_proxy.so"),
    ("proxy_fcgi_module", "mod_proxy_fcgi.so"),
    ("socache_shmcb_module", "mod_socache_shmcb.so"),
    ("ssl_module", "mod_ssl.so"),
]

APACHE_MAIN = """# written by tests/e2e: what a fresh apache2.conf, ports.conf and
# `a2enmod proxy_fcgi rewrite ssl` provide
ServerRoot {d}
DefaultRuntimeDir {d}
PidFile {d}/httpd.pid
ErrorLog {d}/error.log
LogLevel warn
Mutex file:{d} default
{modules}
{user}
StartServers 2
ServerLimit 4
ThreadsPerChild 10
MaxRequestWorkers 40
MinSpareThreads 10
MaxSpareThreads 30
ServerName localhost
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog {d}/access.log common
SSLSessionCache shmcb:{d}/ssl_scache(512000)
{listens}
{body}
"""


class Apache:
    """apache2 in the foreground with its own ServerRoot in the temp dir."""

    def __init__(self, wd, body, listens):
        self.dir = wd.sub("apache")
        mods = []
        for ident, so in APACHE_MODULE_LIST:
            mods.append("<IfModule !%s>\n    LoadModule %s %s\n</IfModule>" % (
                ident, ident, os.path.join(APACHE_MODULES, so)))
        user = ""
        if IS_ROOT:
            user = "User %s\nGroup %s" % web_user()
        self.conf = os.path.join(self.dir, "httpd.conf")
        with open(self.conf, "w") as f:
            f.write(APACHE_MAIN.format(
                d=self.dir, modules="\n".join(mods), user=user,
                listens="\n".join("Listen %s:%d" % a for a in listens),
                body=body))
        self.error_log = os.path.join(self.dir, "error.log")
        argv = ["apache2", "-d", self.dir, "-f", self.conf]
        t = subprocess.run(argv + ["-t"], capture_output=True, text=True)
        if t.returncode != 0:
            raise AssertionError("apache2 -t failed:\n%s%s\n--- httpd.conf ---\n%s" % (
                t.stdout, t.stderr, self.config_text()))
        self.proc = Proc("apache2", argv + ["-DFOREGROUND"],
                         os.path.join(self.dir, "stdout.log"))
        try:
            for addr in listens:
                wait_connect(addr, self.proc)
        except RuntimeError as e:
            self.proc.stop()
            raise RuntimeError("%s\n--- error.log ---\n%s" % (e, self.log_text()))

    def config_text(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".conf"):
                with open(os.path.join(self.dir, name)) as f:
                    out.append("--- %s ---\n%s" % (name, f.read()))
        return "\n".join(out)

    def log_text(self):
        try:
            with open(self.error_log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def problems(self):
        return [l for l in self.log_text().splitlines()
                if re.search(r":(error|crit|alert|emerg)\]", l)]

    def stop(self):
        return self.proc.stop()


# --- TLS ---------------------------------------------------------------------------

def make_cert(wd, name=SERVER_NAME):
    """A self-signed certificate for name; returns (cert, key) paths."""
    cert = os.path.join(wd.path, "cert.pem")
    key = os.path.join(wd.path, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-days", "2", "-subj", "/CN=" + name,
                        "-addext", "subjectAltName=DNS:" + name,
                        "-addext", "keyUsage=critical,digitalSignature,"
                        "keyEncipherment,keyCertSign",
                        "-addext", "extendedKeyUsage=serverAuth",
                        "-keyout", key, "-out", cert],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("openssl req failed:\n" + r.stderr)
    os.chmod(key, 0o600)
    return cert, key


# --- HTTP client -------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers      # [(name, value)], repeats kept
        self.body = body

    def header(self, name):
        got = self.all(name)
        return got[-1] if got else None

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json
        try:
            return json.loads(self.body)
        except ValueError:
            raise AssertionError("not JSON (status %d): %r" % (
                self.status, self.body[:500]))

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.headers, self.body[:300])


class _TLSConnection(http.client.HTTPConnection):
    """HTTPS to ip:port with SNI and certificate checks for a name."""

    def __init__(self, ip, port, sni, ctx, timeout):
        super().__init__(ip, port, timeout=timeout)
        self._sni, self._ctx = sni, ctx

    def connect(self):
        super().connect()
        self.sock = self._ctx.wrap_socket(self.sock, server_hostname=self._sni)


class Site:
    """How a client reaches a site: it believes it talks to
    scheme://name:port (port = the port in its URLs, 80/443 leave it out)
    and really connects to ip:real_port.  When those ports differ the
    front-end is told the public port (see docs: a port-forward)."""

    def __init__(self, scheme, port, ip, real_port, name=SERVER_NAME,
                 cafile=None):
        self.scheme, self.port, self.ip, self.real_port = scheme, port, ip, real_port
        self.name, self.cafile = name, cafile

    @property
    def default_port(self):
        return self.port == (443 if self.scheme == "https" else 80)

    @property
    def hostport(self):
        return self.name if self.default_port else "%s:%d" % (self.name, self.port)

    @property
    def server_group(self):
        """What %{SERVER} must give for this site."""
        return self.hostport

    def url(self, path):
        return "%s://%s%s" % (self.scheme, self.hostport, path)

    def connection(self, timeout=60):
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=self.cafile)
            return _TLSConnection(self.ip, self.real_port, self.name, ctx, timeout)
        return http.client.HTTPConnection(self.ip, self.real_port, timeout=timeout)

    def request(self, method, path, body=None, headers=(), timeout=60, conn=None):
        """One request; headers is a list of pairs (repeats allowed)."""
        own = conn is None
        c = conn or self.connection(timeout)
        try:
            c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            names = {n.lower() for n, _ in headers}
            if "host" not in names:
                c.putheader("Host", self.hostport)
            for n, v in headers:
                c.putheader(n, v)
            if body is not None and "content-length" not in names:
                c.putheader("Content-Length", str(len(body)))
            c.endheaders()
            if body:
                view = memoryview(body)
                for off in range(0, len(body), 1 << 20):
                    c.send(view[off:off + (1 << 20)])
            r = c.getresponse()
            data = r.read()
            return Response(r.status, r.getheaders(), data)
        finally:
            if own:
                c.close()

    def get(self, path, headers=(), **kw):
        return self.request("GET", path, headers=headers, **kw)

    def curl(self, path, args=()):
        """GET through curl, as a user would (TLS checked against the
        test's CA).  Returns a Response."""
        argv = ["curl", "-sS", "--max-time", "30", "-D", "-", "-o", "-",
                "--connect-to", "%s:%d:%s:%d" % (self.name, self.port,
                                                 self.ip, self.real_port)]
        if self.cafile:
            argv += ["--cacert", self.cafile]
        argv += list(args) + [self.url(path)]
        r = subprocess.run(argv, capture_output=True)
        if r.returncode != 0:
            raise AssertionError("curl %s: exit %d: %s" % (
                self.url(path), r.returncode, r.stderr.decode(errors="replace")))
        head, _, body = r.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = []
        for line in lines[1:]:
            n, _, v = line.partition(":")
            headers.append((n.strip(), v.strip()))
        return Response(status, headers, body)


# --- FastCGI connections, seen from the kernel ----------------------------------------

def fcgi_connections(pyfpm):
    """Identities of the connections pyfpm has accepted and not yet closed
    (its side): from /proc/net/tcp* for TCP, /proc/net/unix for sockets."""
    addr = pyfpm.address()
    found = set()
    if isinstance(addr, str):
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                parts = line.split()
                # Num RefCount Protocol Flags Type St Inode Path
                if len(parts) >= 8 and parts[7] == addr and parts[5] == "03":
                    found.add(parts[6])
        return found
    port = "%04X" % addr[1]
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            f = open(name)
        except OSError:
            continue
        with f:
            next(f)
            for line in f:
                parts = line.split()
                local, remote, st = parts[1], parts[2], parts[3]
                if local.endswith(":" + port) and st == "01":
                    found.add(remote)
    return found


# --- a small TAP runner ---------------------------------------------------------------

class Suite:
    """Runs cases at once, prints TAP (plan at the end), counts failures.
    logs: callables returning (title, text) shown when a case fails."""

    def __init__(self, title):
        self.title = title
        self.n = 0
        self.failed = []
        self.logs = []
        self.t0 = time.time()
        say("%s: pyfpm %s, %s" % (title, PYFPM, pyfpm_python()))

    def case(self, name, fn, *args, **kw):
        self.n += 1
        t = time.time()
        try:
            fn(*args, **kw)
            print("ok %d - %s (%.2fs)" % (self.n, name, time.time() - t))
            sys.stdout.flush()
            return True
        except Exception:
            self.failed.append(name)
            print("not ok %d - %s" % (self.n, name))
            say(traceback.format_exc())
            for get in self.logs:
                try:
                    title, text = get()
                    say("--- %s (tail) ---\n%s" % (title, text[-3000:]))
                except Exception as e:
                    say("(log unavailable: %s)" % e)
            sys.stdout.flush()
            return False

    def finish(self):
        print("1..%d" % self.n)
        say("%s: %d passed, %d failed in %.1fs" % (
            self.title, self.n - len(self.failed), len(self.failed),
            time.time() - self.t0))
        for name in self.failed:
            say("FAILED: " + name)
        return 1 if self.failed or self.n == 0 else 0


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what="value"):
    if got != want:
        raise AssertionError("%s: expected %r, got %r" % (what, want, got))


def sha256(data):
    return hashlib.sha256(data).hexdigest()
