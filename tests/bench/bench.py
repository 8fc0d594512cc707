#!/usr/bin/python3
"""pyfpm benchmark: nginx in front of pyfpm, uWSGI and a bare libfcgi responder.

Run it through tests/bench/run.sh (or `make bench`), which installs what is
missing and builds the C ceiling. Everything is configured by environment:

  BENCH_SECONDS   wrk duration of one measured run            (10)
  BENCH_ROUNDS    rounds; every figure is the median of them   (3)
  BENCH_WARMUP    seconds of wrk before each measured run      (1)
  BENCH_SERVERS   comma list of pyfpm,uwsgi,ceiling            (all three)
  BENCH_CELLS     comma list of PxT[k] (k = fastcgi_keep_conn on)
                                          (1x1,1x1k,2x4,2x4k,2x16k)
  BENCH_NGINX_WORKERS  nginx worker_processes                  (1)
  BENCH_OUT       where the report goes   (tests/bench/results-latest.txt)
  PYFPM           the daemon binary       ($top_builddir/pyfpm, else ./pyfpm)
  CEILING         the built ceiling binary (run.sh sets it)

Only loopback addresses are used; every process it starts is stopped by its
own process group before it exits.
"""

import http.client
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "1"))
NGINX_WORKERS = int(os.environ.get("BENCH_NGINX_WORKERS", "1"))
WRK_THREADS = 2
WRK_CONNS = 32
UPSTREAM_KEEPALIVE = 32
BODY = b"Hello, World!\n"
SERVERS = [s.strip() for s in os.environ.get("BENCH_SERVERS", "pyfpm,uwsgi,ceiling").split(",") if s.strip()]
CELL_SPEC = os.environ.get("BENCH_CELLS", "1x1,1x1k,2x4,2x4k,2x16k")
OUT = os.environ.get("BENCH_OUT", os.path.join(HERE, "results-latest.txt"))
START_TIMEOUT = 15.0


def parse_cells(spec):
    cells = []
    for item in spec.split(","):
        m = re.fullmatch(r"\s*(\d+)x(\d+)(k?)\s*", item)
        if not m:
            sys.exit(f"bench: bad BENCH_CELLS item {item!r} (want PxT or PxTk)")
        cells.append((int(m.group(1)), int(m.group(2)), m.group(3) == "k"))
    return cells


CELLS = parse_cells(CELL_SPEC)


def log(msg):
    print(msg, flush=True)


# --- /proc: the server's process tree ------------------------------------

def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    # fields after "(comm)"; comm may hold spaces or parentheses
    return s[s.rindex(")") + 2:].split()


def process_tree(root):
    """root and all its live descendants."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ppid = int(_stat_fields(d)[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root):
    """utime+stime of the tree, plus children it already reaped (cutime+cstime)."""
    ticks = 0
    for pid in process_tree(root):
        try:
            f = _stat_fields(pid)
        except OSError:
            continue
        # stat fields 14..17 (1-based): utime stime cutime cstime; f[0] is field 3
        ticks += sum(int(x) for x in f[11:15])
    return ticks / CLK_TCK


def memory_kb(root):
    """(sum of VmRSS, sum of Pss) over the tree, in kB."""
    rss = pss = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


# --- processes we start ---------------------------------------------------

class Proc:
    """A process started in its own session, so its whole group can be stopped."""

    def __init__(self, argv, logpath, cwd=None, env=None):
        self.argv = argv
        self.logpath = logpath
        self.logf = open(logpath, "ab")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                  stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                  start_new_session=True)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # whatever is left of the group we created
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.logf.close()

    def log_tail(self, n=5):
        try:
            with open(self.logpath, errors="replace") as f:
                lines = [l.rstrip() for l in f if l.strip()]
            return " | ".join(lines[-n:])
        except OSError:
            return ""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_unix_socket(path, proc, timeout):
    """Until the server has created its socket (nginx's probe then retries
    until it answers; no bare connect here, which servers would log)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not proc.alive():
            return False
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def http_get(port, timeout=5.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", "/")
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


# --- servers --------------------------------------------------------------

def run_out(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10, stdin=subprocess.DEVNULL)
        return r.stdout.decode(errors="replace").strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"({e})"


class Server:
    name = "?"
    stop_signal = signal.SIGTERM

    def unavailable(self):
        """None if it can run, else a short reason shown in its cells."""
        return None

    def version(self):
        return ""

    def start(self, work, sock, p, t, keep):
        raise NotImplementedError


class Pyfpm(Server):
    name = "pyfpm"
    stop_signal = signal.SIGTERM

    def __init__(self):
        cand = os.environ.get("PYFPM")
        if not cand:
            builddir = os.environ.get("top_builddir", SRCDIR)
            cand = os.path.join(builddir, "pyfpm")
        self.binary = os.path.abspath(cand)
        self.served = False     # answered hello at least once in this run
        self.start_failures = 0
        self.failed = None      # why it is taken as "not built" though it exists

    def unavailable(self):
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            return "not built"
        if self.failed:
            return "not built"
        return None

    def version(self):
        if not os.path.exists(self.binary):
            return f"{self.binary}: not built"
        return self.binary + ": " + run_out([self.binary, "-v"]).replace("\n", "; ")

    def start(self, work, sock, p, t, keep):
        cfg = os.path.join(work, f"pyfpm-{p}x{t}.yaml")
        with open(cfg, "w") as f:
            f.write(f"""# written by tests/bench/bench.py
listen: unix:{sock}
socket_mode: "0666"
processes: {p}
threads: {t}
log:
  level: warn
  file: "-"
routes:
  - prefix: /
    script: {os.path.join(work, 'hello.py')}
""")
        return Proc([self.binary, "-c", cfg], os.path.join(work, "pyfpm.log"), cwd=work)


class Uwsgi(Server):
    name = "uwsgi"
    stop_signal = signal.SIGINT     # SIGTERM means "reload" to uWSGI 2.0

    def unavailable(self):
        if not shutil.which("uwsgi"):
            return "not installed"
        if not any(os.path.exists(os.path.join(d, "python3_plugin.so"))
                   for d in ("/usr/lib/uwsgi/plugins", "/usr/lib/uwsgi")):
            return "no python3 plugin"
        return None

    def version(self):
        py = run_out(["/usr/bin/python3", "-c", "import sys; print(sys.version.split()[0])"])
        return f"uWSGI {run_out(['uwsgi', '--version'])} (python3 plugin: Debian Python {py})"

    def start(self, work, sock, p, t, keep):
        argv = ["uwsgi", "--plugin", "python3", "--fastcgi-socket", sock,
                "--chmod-socket=666", "--wsgi-file", os.path.join(work, "hello.py"),
                "--processes", str(p), "--threads", str(t), "--master",
                "--die-on-term", "--disable-logging", "--need-app"]
        return Proc(argv, os.path.join(work, "uwsgi.log"), cwd=work)


class Ceiling(Server):
    name = "ceiling"

    def __init__(self):
        self.binary = os.environ.get("CEILING", "")

    def unavailable(self):
        if not (self.binary and os.access(self.binary, os.X_OK)):
            return "not built"
        return None

    def version(self):
        v = run_out(["dpkg-query", "-W", "-f=${Version}", "libfcgi-dev"])
        return f"tests/bench/ceiling.c, libfcgi {v}, FCGX_Detach before FCGX_Finish_r unless keep-conn"

    def start(self, work, sock, p, t, keep):
        argv = [self.binary, sock, str(p), str(t)] + (["keep"] if keep else [])
        return Proc(argv, os.path.join(work, "ceiling.log"), cwd=work)


ALL_SERVERS = {"pyfpm": Pyfpm, "uwsgi": Uwsgi, "ceiling": Ceiling}


# --- nginx ----------------------------------------------------------------

def start_nginx(work, port, sock, keep):
    d = os.path.join(work, "nginx")
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    user = ""
    if os.geteuid() == 0:
        # workers as root too: the backends' sockets need no special mode
        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(0).gr_name};"
    keepalive = f"keepalive {UPSTREAM_KEEPALIVE};" if keep else ""
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""# written by tests/bench/bench.py
{user}
worker_processes {NGINX_WORKERS};
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    fastcgi_temp_path {d}/tmp/fastcgi;
    proxy_temp_path {d}/tmp/proxy;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    upstream app {{
        server unix:{sock};
        {keepalive}
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        location / {{
            include /etc/nginx/fastcgi_params;
            fastcgi_pass app;
            fastcgi_keep_conn {'on' if keep else 'off'};
        }}
    }}
}}
""")
    proc = Proc(["nginx", "-p", d, "-e", os.path.join(d, "error.log"), "-c", conf],
                os.path.join(d, "stdout.log"))
    deadline = time.time() + 10
    while time.time() < deadline:
        if not proc.alive():
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    err = proc.log_tail()
    try:
        with open(os.path.join(d, "error.log")) as f:
            err += " " + " | ".join(f.read().splitlines()[-3:])
    except OSError:
        pass
    proc.stop(signal.SIGQUIT)
    raise RuntimeError(f"nginx did not start: {err}")


# --- wrk ------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def run_wrk(port, seconds):
    argv = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNS}", f"-d{seconds}s", "--latency",
            f"http://127.0.0.1:{port}/"]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=seconds + 60, stdin=subprocess.DEVNULL)
    out = r.stdout.decode(errors="replace")
    res = {"raw": out, "rps": None, "p50": None, "p99": None, "requests": None,
           "non2xx": 0, "sockerr": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", out, re.M)
        if m:
            res[key] = _ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["sockerr"] = sum(int(x) for x in m.groups())
    if r.returncode != 0 or res["rps"] is None:
        res["failed"] = f"wrk exit {r.returncode}: {out.strip()[-200:]}"
    return res


# --- one measured run -----------------------------------------------------

def measure(server, work, p, t, keep):
    """Start server and nginx, warm up, measure once, stop both. Returns a dict."""
    sock = os.path.join(work, f"{server.name}.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    backend = server.start(work, sock, p, t, keep)
    nginx = None
    try:
        if not wait_unix_socket(sock, backend, START_TIMEOUT):
            return {"error": f"{server.name} did not listen on {sock}: {backend.log_tail()}",
                    "start_failed": True}
        port = free_port()
        nginx = start_nginx(work, port, sock, keep)
        deadline = time.time() + START_TIMEOUT
        status = body = None
        while time.time() < deadline:
            try:
                status, body = http_get(port)
                if status == 200 and body == BODY:
                    break
            except OSError:
                pass
            if not backend.alive():
                break
            time.sleep(0.1)
        if status != 200 or body != BODY:
            return {"error": f"no hello from {server.name}: status {status} body {body!r:.60} "
                             f"log: {backend.log_tail()}", "start_failed": True}
        if WARMUP > 0:
            run_wrk(port, max(1, int(round(WARMUP))))
        cpu0 = cpu_seconds(backend.pid)
        res = run_wrk(port, SECONDS)
        cpu1 = cpu_seconds(backend.pid)
        rss, pss = memory_kb(backend.pid)
        res["rss_mb"] = rss / 1024
        res["pss_mb"] = pss / 1024
        res["nproc"] = len(process_tree(backend.pid))
        if res.get("requests"):
            res["cpu_us"] = (cpu1 - cpu0) * 1e6 / res["requests"]
        if not backend.alive():
            res["failed"] = f"{server.name} died during the run: {backend.log_tail()}"
        return res
    finally:
        if nginx:
            nginx.stop(signal.SIGTERM)
        backend.stop(server.stop_signal)


# --- report ---------------------------------------------------------------

def cell_name(cell):
    p, t, keep = cell
    return f"{p}x{t}", "on" if keep else "off"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(runs):
    """Medians over the rounds of one (server, cell)."""
    ok = [r for r in runs if "error" not in r and "failed" not in r]
    s = {"rounds": len(ok), "errors": sum(r.get("non2xx", 0) + r.get("sockerr", 0) for r in runs
                                          if "error" not in r)}
    for k in ("rps", "p50", "p99", "rss_mb", "pss_mb", "cpu_us"):
        s[k] = med(r.get(k) for r in ok)
    problems = [r.get("error") or r.get("failed") for r in runs if "error" in r or "failed" in r]
    s["problem"] = problems[0] if problems else None
    return s


def fmt(v, spec, unit=""):
    return "-" if v is None else format(v, spec) + unit


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def report(servers, results, header, raw_lines):
    lines = list(header)
    lines.append("")
    cols = f"{'server':<8} {'shape':<6} {'keep':<4} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} " \
           f"{'RSS MB':>7} {'PSS MB':>7} {'CPU us/req':>10} {'errors':>7}  note"
    lines.append(cols)
    lines.append("-" * len(cols))
    notes = []
    for cell in CELLS:
        shape, keep = cell_name(cell)
        for srv in servers:
            key = (srv.name, cell)
            if key not in results:
                reason = results.get((srv.name, cell, "why"), "skipped")
                lines.append(f"{srv.name:<8} {shape:<6} {keep:<4} {reason:>9}")
                continue
            s = results[key]
            note = ""
            if s["errors"]:
                note = "! errors"
            if s["problem"]:
                notes.append(f"{srv.name} {shape} keep {keep}: {s['problem']}")
                note = (note + " " if note else "") + f"! see note {len(notes)}"
            if s["rounds"] == 0 and s["rps"] is None:
                lines.append(f"{srv.name:<8} {shape:<6} {keep:<4} {'failed':>9} "
                             f"{'':>8} {'':>8} {'':>7} {'':>7} {'':>10} {s['errors']:>7}  {note}")
                continue
            lines.append(f"{srv.name:<8} {shape:<6} {keep:<4} {fmt(s['rps'], '9.0f')} "
                         f"{fmt(s['p50'], '8.2f')} {fmt(s['p99'], '8.2f')} "
                         f"{fmt(s['rss_mb'], '7.1f')} {fmt(s['pss_mb'], '7.1f')} "
                         f"{fmt(s['cpu_us'], '10.1f')} {s['errors']:>7}  {note}".rstrip())
    lines.append("")
    lines.append("Ratios (req/s: higher is better for pyfpm; p99, CPU/req, RSS: lower is better)")
    rcols = f"{'shape':<6} {'keep':<4} | {'pyfpm/uWSGI: req/s':>18} {'p99':>6} {'CPU':>6} {'RSS':>6} " \
            f"| {'pyfpm/ceiling: req/s':>20} {'p99':>6} {'CPU':>6} {'RSS':>6}"
    lines.append(rcols)
    lines.append("-" * len(rcols))
    for cell in CELLS:
        shape, keep = cell_name(cell)
        py = results.get(("pyfpm", cell))
        if not py or py["rps"] is None:
            why = results.get(("pyfpm", cell, "why"), "no figures")
            lines.append(f"{shape:<6} {keep:<4} | pyfpm {why}")
            continue
        parts = []
        for other, width in (("uwsgi", 18), ("ceiling", 20)):
            o = results.get((other, cell))
            if not o or o["rps"] is None:
                parts.append(f"{'-':>{width}} {'-':>6} {'-':>6} {'-':>6}")
            else:
                parts.append(f"{ratio(py['rps'], o['rps']):>{width}} {ratio(py['p99'], o['p99']):>6} "
                             f"{ratio(py['cpu_us'], o['cpu_us']):>6} {ratio(py['rss_mb'], o['rss_mb']):>6}")
        lines.append(f"{shape:<6} {keep:<4} | {parts[0]} | {parts[1]}")
    if notes:
        lines.append("")
        lines.append("Notes:")
        for i, n in enumerate(notes, 1):
            lines.append(f"  {i}. {n}")
    lines.append("")
    lines.append("Per-round req/s (errors in brackets):")
    lines.extend("  " + l for l in raw_lines)
    return "\n".join(lines) + "\n"


def header_lines(servers):
    rev = run_out(["git", "-C", SRCDIR, "describe", "--always", "--dirty"])
    load = os.getloadavg()
    h = [
        "pyfpm benchmark (tests/bench): nginx -> FastCGI unix socket -> server, hello world",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}   tree: {rev}",
        f"machine: {os.cpu_count()} cores, {os.uname().release}, load before run "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        f"load: wrk -t{WRK_THREADS} -c{WRK_CONNS} -d{SECONDS}s --latency "
        f"(after {WARMUP:g}s warm-up), rounds: {ROUNDS}, figures are medians",
        f"nginx: {run_out(['nginx', '-v']).replace('nginx version: ', '')}, "
        f"worker_processes {NGINX_WORKERS}, keep-conn cells use upstream keepalive "
        f"{UPSTREAM_KEEPALIVE}; {run_out(['wrk', '-v']).splitlines()[0] if shutil.which('wrk') else ''}",
    ]
    for s in servers:
        h.append(f"{s.name}: {s.version()}")
    if load[0] > 1.0:
        h.append(f"WARNING: load average {load[0]:.2f} before the run: other work on "
                 f"these cores makes the figures noisy")
    return h


def main():
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} not found (apt-get install {tool}; run.sh does it)")
    unknown = [s for s in SERVERS if s not in ALL_SERVERS]
    if unknown:
        sys.exit(f"bench: unknown server(s) {unknown}; known: {', '.join(ALL_SERVERS)}")
    servers = [ALL_SERVERS[s]() for s in SERVERS]
    header = header_lines(servers)
    for l in header:
        log(l)

    work = tempfile.mkdtemp(prefix="pyfpm-bench.")
    os.chmod(work, 0o755)
    shutil.copy(os.path.join(HERE, "hello.py"), os.path.join(work, "hello.py"))
    os.chmod(os.path.join(work, "hello.py"), 0o644)

    runs = {}           # (server, cell) -> [result per round]
    why = {}            # (server, cell) -> reason it has no figures
    raw = {}
    try:
        for rnd in range(1, ROUNDS + 1):
            for cell in CELLS:
                shape, keep = cell_name(cell)
                for srv in servers:
                    reason = srv.unavailable()
                    if reason:
                        why.setdefault((srv.name, cell), reason)
                        log(f"round {rnd} {srv.name:<8} {shape:<5} keep {keep:<3}: {reason}")
                        continue
                    res = measure(srv, work, *cell)
                    if isinstance(srv, Pyfpm):
                        if "start_failed" not in res:
                            srv.served = True
                        elif not srv.served:
                            # exists but has not served yet: after two tries
                            # take it as not built rather than wait in every cell
                            srv.start_failures += 1
                            why.setdefault((srv.name, cell), "not built")
                            log(f"round {rnd} {srv.name:<8} {shape:<5} keep {keep:<3}: "
                                f"did not serve ({res['error']})")
                            if srv.start_failures >= 2:
                                srv.failed = res["error"]
                            continue
                    runs.setdefault((srv.name, cell), []).append(res)
                    errs = res.get("non2xx", 0) + res.get("sockerr", 0)
                    msg = res.get("error") or res.get("failed") or (
                        f"{res['rps']:.0f} req/s p50 {fmt(res['p50'], '.2f')} ms "
                        f"p99 {fmt(res['p99'], '.2f')} ms cpu {fmt(res.get('cpu_us'), '.1f')} us/req "
                        f"rss {res['rss_mb']:.1f} MB errors {errs}")
                    log(f"round {rnd} {srv.name:<8} {shape:<5} keep {keep:<3}: {msg}")
                    raw.setdefault((srv.name, cell), []).append(
                        "fail" if res.get("rps") is None else f"{res['rps']:.0f}" + (f"[{errs}]" if errs else ""))
    except KeyboardInterrupt:
        log("bench: interrupted; reporting what was measured")
    finally:
        if os.environ.get("BENCH_KEEP_WORKDIR"):
            log(f"bench: work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results = {k: summarize(v) for k, v in runs.items()}
    for (name, cell), reason in why.items():
        results[(name, cell, "why")] = reason
    pyfpm = next((s for s in servers if isinstance(s, Pyfpm)), None)
    if pyfpm and pyfpm.failed:
        header.append(f"pyfpm did not serve: {pyfpm.failed}")
    if pyfpm and not pyfpm.served and not os.path.exists(pyfpm.binary):
        header.append(f"pyfpm: no {pyfpm.binary} (build it, or set PYFPM)")
    raw_lines = []
    for cell in CELLS:
        shape, keep = cell_name(cell)
        for srv in servers:
            if (srv.name, cell) in raw:
                raw_lines.append(f"{srv.name:<8} {shape:<6} keep {keep:<4} {' '.join(raw[(srv.name, cell)])}")
    text = report(servers, results, header, raw_lines)
    log("")
    log(text)
    try:
        with open(OUT, "w") as f:
            f.write(text)
        log(f"bench: written to {OUT}")
    except OSError as e:
        log(f"bench: cannot write {OUT}: {e}")
    flagged = [k for k, s in results.items() if isinstance(s, dict) and (s["errors"] or s["problem"])]
    if flagged:
        log(f"bench: {len(flagged)} cell(s) flagged with errors (see the table)")
    # flagged cells are findings, not a harness failure; BENCH_STRICT=1 fails on them
    return 3 if flagged and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
