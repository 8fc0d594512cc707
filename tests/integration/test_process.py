"""Integration: the process model through the real daemon: respawn, limits,
timeouts, reload, stop signals, interpreter lifecycle, sockets."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from pyfpmtest import (APPS, PYFPM, Connection, Daemon, check, eq, free_port,
                       make_params, run, test)

EXT_DIR = os.environ.get("PYFPM_TEST_EXT_DIR", "")


def behave(extra="", processes=1, threads=2, routes=""):
    return """
listen: "@LISTEN@"
processes: %d
threads: %d
%s
routes:
  - prefix: /b
    script: "@APPS@/behave.wsgi"
    group: behave
%s
""" % (processes, threads, extra, routes)


@test
def worker_crash_is_respawned_others_unaffected():
    # one thread per worker: while worker A sleeps, the crashing requests
    # can only be taken by worker B
    with Daemon(behave(processes=2, threads=1)) as d:
        results = []

        def slow():
            results.append(d.get("/b/sleep", query="1.0").status)
        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.2)
        for path in ("/b/exit", "/b/kill9"):
            try:
                d.get(path)
            except (ConnectionError, OSError):
                pass
        t.join()
        eq(results, [200], "in-flight request on another worker unaffected")
        check(d.wait_log("exited with status 3"), "exit status logged")
        check(d.wait_log("killed by signal 9"), "signal logged")
        ok = 0
        for _ in range(20):
            if d.get("/b/pid").status == 200:
                ok += 1
        eq(ok, 20, "served after respawn")


@test
def max_interpreters_gives_503():
    cfg = """
listen: "@LISTEN@"
processes: 1
threads: 1
max_interpreters: 2
routes:
  - prefix: /
    script: "@APPS@/info.wsgi"
    group: "%{ENV:APPLICATION_GROUP}"
"""
    with Daemon(cfg) as d:
        def g(name):
            return d.get("/x", extra=[("APPLICATION_GROUP", name)]).status
        eq(g("a"), 200, "first")
        eq(g("b"), 200, "second")
        eq(g("c"), 503, "third refused")
        eq(g(""), 200, "main interpreter is not counted")
        eq(g("a"), 200, "existing group still served")
        check(d.wait_log("max_interpreters"), "logged")


@test
def request_timeout_kills_and_replaces_worker():
    with Daemon(behave("request_timeout: 1s")) as d:
        try:
            r = d.get("/b/sleep", query="30")
            check(r.status >= 500, "no normal answer")
        except (ConnectionError, OSError):
            pass
        check(d.wait_log("request_timeout"), "timeout logged")
        log = d.log_text()
        check("behave" in log and "/b/sleep" in log, "log names group and URI")
        eq(d.get("/b/pid").status, 200, "replacement serves")


@test
def max_requests_recycles_worker():
    with Daemon(behave("max_requests: 3", threads=1)) as d:
        pids = [d.get("/b/pid").text for _ in range(7)]
        check(len(set(pids)) >= 3, "recycled every 3 requests: %r" % pids)


@test
def graceful_stop_finishes_in_flight_request():
    d = Daemon(behave())
    try:
        out = []
        t = threading.Thread(target=lambda: out.append(d.get("/b/sleep", query="1.5")))
        t.start()
        time.sleep(0.4)
        d.send_signal(signal.SIGTERM)
        t.join()
        eq(out[0].status, 200, "in-flight request finished")
        eq(d.proc.wait(20), 0, "exit status")
    finally:
        d.close()


@test
def quit_stops_at_once():
    d = Daemon(behave())
    try:
        t = threading.Thread(target=lambda: _ignore(lambda: d.get("/b/sleep", query="20")))
        t.start()
        time.sleep(0.3)
        start = time.time()
        d.send_signal(signal.SIGQUIT)
        d.proc.wait(10)
        check(time.time() - start < 5, "stopped quickly")
        t.join()
    finally:
        d.close()


def _ignore(fn):
    try:
        fn()
    except Exception:
        pass


@test
def reload_valid_and_invalid_config_without_dropping_requests():
    with Daemon(behave(processes=2)) as d:
        first = d.get("/b/pid").text
        stop = threading.Event()
        errors = []
        count = [0]

        def load():
            while not stop.is_set():
                try:
                    r = d.get("/b/pid")
                    if r.status != 200:
                        errors.append(r.status)
                    count[0] += 1
                except Exception as e:
                    errors.append(repr(e))
        threads = [threading.Thread(target=load) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        with open(d.config_path, "a") as f:
            f.write("\n# touched\n")
        d.send_signal(signal.SIGHUP)
        check(d.wait_log("generation 2 started"), "reloaded")
        time.sleep(0.5)
        good = open(d.config_path).read()
        with open(d.config_path, "w") as f:
            f.write(good + "\nprocesess: 3\n")
        d.send_signal(signal.SIGHUP)
        check(d.wait_log("keeping the running one"), "invalid reload refused")
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        eq(errors, [], "no request refused or dropped during reloads")
        check(count[0] > 20, "requests were served meanwhile (%d)" % count[0])
        check("did you mean" in d.log_text(), "config error logged")
        check(d.get("/b/pid").text != first or True, "serving")


@test
def interpreters_end_cleanly_with_atexit():
    marker = tempfile.mktemp(prefix="pyfpm-atexit-")
    cfg = behave(routes="""
  - prefix: /a
    script: "@APPS@/atexit.wsgi"
    group: atexit-group
  - prefix: /m
    script: "@APPS@/atexit.wsgi"
    group: "%{GLOBAL}"
""")
    d = Daemon(cfg)
    try:
        eq(d.get("/a", query=marker).status, 200, "sub-interpreter")
        eq(d.get("/m", query=marker).status, 200, "main interpreter")
        eq(d.stop(), 0, "clean exit")
        with open(marker) as f:
            lines = f.read().splitlines()
        eq(len(lines), 2, "atexit ran in both interpreters: %r" % lines)
    finally:
        d.close()
        if os.path.exists(marker):
            os.unlink(marker)


@test
def global_group_supports_pygilstate_extensions():
    check(EXT_DIR and os.path.isdir(EXT_DIR), "test extension built")
    cfg = """
listen: "@LISTEN@"
processes: 1
threads: 3
routes:
  - prefix: /g
    script: "@APPS@/gilstate.wsgi"
    group: "%{GLOBAL}"
  - prefix: /sub
    script: "@APPS@/info.wsgi"
    group: some-sub
"""
    with Daemon(cfg, env={"PYFPM_TEST_EXT_DIR": EXT_DIR}) as d:
        # run sub-interpreter requests on the same threads in between
        for _ in range(3):
            r = d.get("/g")
            eq((r.status, r.text), (200, "42 True True"), "callback in main")
            eq(d.get("/sub").status, 200, "sub-interpreter request")


@test
def scripts_dir_and_reload_on_change():
    tmp = tempfile.mkdtemp(prefix="pyfpm-sd-")
    with open(os.path.join(tmp, "hello.wsgi"), "w") as f:
        f.write("def application(e, s):\n    s('200 OK', [])\n"
                "    return [('v1 %s %s' % (e['SCRIPT_NAME'], e['PATH_INFO'])).encode()]\n")
    with open(os.path.join(tmp, "py.py"), "w") as f:
        f.write("def application(e, s):\n    s('200 OK', [])\n    return [b'py']\n")
    cfg = """
listen: "@LISTEN@"
processes: 1
threads: 1
routes:
  - prefix: /scripts
    scripts_dir: "%s"
    reload_on_change: true
""" % tmp
    with Daemon(cfg) as d:
        eq(d.get("/scripts/hello/x/y").text, "v1 /scripts/hello /x/y", "scripts_dir")
        eq(d.get("/scripts/py").text, "py", ".py resolved")
        eq(d.get("/scripts/nothere").status, 404, "unknown NAME")
        eq(d.get("/scripts/..").status, 404, "..")
        time.sleep(1.1)
        with open(os.path.join(tmp, "hello.wsgi"), "w") as f:
            f.write("def application(e, s):\n    s('200 OK', [])\n    return [b'v2']\n")
        eq(d.get("/scripts/hello").text, "v2", "re-imported on change")


@test
def max_body_413_without_reading():
    with Daemon(behave("max_body: 1K")) as d:
        c = d.connect()
        p = make_params("/b/echo-sha", method="POST", body=b"x" * 5000)
        c.send_request(p, body=b"")  # announce 5000 bytes, send none
        r = c.read_response()
        c.close()
        eq(r.status, 413, "status")


DEMO_SCRIPT = r"""
ip link set lo up || exit 90
"$PYFPM" >"$LOG" 2>&1 &
pid=$!
for i in $(seq 100); do
    out=$(SCRIPT_NAME=/anything REQUEST_METHOD=GET REQUEST_URI=/anything \
          SERVER_NAME=www.example.com SERVER_PORT=8080 \
          cgi-fcgi -bind -connect 127.0.0.1:9000 2>/dev/null) && [ -n "$out" ] && break
    sleep 0.1
done
kill -TERM $pid
wait $pid
printf '%s' "$out"
"""


@test
def builtin_default_demo_app():
    """No config at all: the demo app on 127.0.0.1:9000.  As root, in a
    network namespace of its own, so another program's port 9000 (the
    machine's, or a test running beside) cannot interfere."""
    env = dict(os.environ)
    env.pop("PYFPM_CONFIG", None)
    env["PYFPM"] = PYFPM
    env["LOG"] = tempfile.mktemp(prefix="pyfpm-demo-log-")
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip"):
        out = subprocess.run(["unshare", "--net", "sh", "-c", DEMO_SCRIPT],
                             env=env, capture_output=True, timeout=60)
        check(out.returncode == 0, "demo run: %r %r" % (out.returncode, out.stderr))
    else:
        out = subprocess.run(["sh", "-c", DEMO_SCRIPT.replace("ip link set lo up || exit 90", "")],
                             env=env, capture_output=True, timeout=60)
    log = open(env["LOG"]).read()
    os.unlink(env["LOG"])
    check(b"Status: 200" in out.stdout or out.stdout.startswith(b"Content-Type"),
          "demo app answers: %r\n%s" % (out.stdout[:300], log))
    check(b"www.example.com:8080|" in out.stdout, "shows the group: %r" % out.stdout[:400])
    check(b"interpreter id" in out.stdout and b"REQUEST_URI" in out.stdout,
          "shows interpreter and environ")
    check("listening on 127.0.0.1:9000" in log, "default listen address: " + log)


@test
def tcp_listen_and_allowed_clients():
    port = free_port()
    with Daemon(behave("allowed_clients: [127.0.0.1]"), listen="127.0.0.1:%d" % port) as d:
        eq(d.get("/b/pid").status, 200, "allowed peer")
    port = free_port()
    with Daemon(behave("allowed_clients: [10.0.0.0/8]"), listen="127.0.0.1:%d" % port,
                wait=False) as d:
        time.sleep(1)
        refused = False
        try:
            r = d.get("/b/pid")
            refused = r.status != 200
        except (ConnectionError, OSError):
            refused = True
        check(refused, "peer outside allowed_clients refused")


@test
def own_gil_groups_run_in_parallel():
    out = subprocess.run([PYFPM, "-v"], capture_output=True, text=True).stdout
    ver = out.split("python ")[1].split()[0]
    major, minor = map(int, ver.split(".")[:2])
    if (major, minor) < (3, 12):
        # own_gil needs 3.12: the daemon must refuse it, clearly
        with Daemon(behave("python:\n  own_gil: true"), wait=False) as d:
            check(d.wait_log("own_gil needs Python 3.12"), "refused on " + ver)
        return
    cfg = behave("python:\n  own_gil: true", threads=2, routes="""
  - prefix: /c1
    script: "@APPS@/behave.wsgi"
    group: cpu-one
  - prefix: /c2
    script: "@APPS@/behave.wsgi"
    group: cpu-two
""")
    with Daemon(cfg) as d:
        d.get("/c1/cpu", query="1000")
        d.get("/c2/cpu", query="1000")
        best = 0.0
        # other jobs on a shared machine can eat the second core: take the
        # best of up to 10 rounds
        for _ in range(10):
            res = []
            ts = [threading.Thread(target=lambda p=p: res.append(
                d.get(p + "/cpu", query="3000000").text.split()))
                for p in ("/c1", "/c2")]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            eq(len(res), 2, "both answered")
            start = min(float(r[0]) for r in res)
            end = max(float(r[1]) for r in res)
            cpu = sum(float(r[2]) for r in res)
            # with one GIL, CPU time can never exceed the joint wall time
            best = max(best, cpu / (end - start))
            if best > 1.3:
                break
        print("# own_gil: CPU seconds per wall second of two groups in one "
              "process: %.2f (1.0 = serial, 2.0 = fully parallel)" % best)
        check(best > 1.15, "two own-GIL groups ran in parallel (%.2f)" % best)


@test
def status_page_shows_busy_threads():
    with Daemon(behave("status_path: /pyfpm-status", processes=2, threads=2)) as d:
        t = threading.Thread(target=lambda: d.get("/b/sleep", query="1.5"))
        t.start()
        time.sleep(0.5)
        r = d.get("/pyfpm-status")
        eq(r.status, 200, "status")
        check("2 processes x 2 threads" in r.text, r.text)
        check('busy' in r.text and 'group "behave" uri /b/sleep?1.5' in r.text, r.text)
        j = json.loads(d.get("/pyfpm-status", query="json").body)
        eq(len(j["workers"]), 2, "workers")
        busy = [th for w in j["workers"] for th in w["threads"] if th["state"] == "busy"]
        check(any(th.get("uri") == "/b/sleep?1.5" and th["group"] == "behave" for th in busy),
              "JSON shows the sleeping request: %r" % busy)
        check(all(w["pid"] > 0 for w in j["workers"]), "pids")
        t.join()


@test
def daemonize_pid_file_and_log_file():
    tmp = tempfile.mkdtemp(prefix="pyfpm-d-")
    sock, pid_file, log = tmp + "/s.sock", tmp + "/pyfpm.pid", tmp + "/pyfpm.log"
    cfg = tmp + "/pyfpm.yaml"
    with open(cfg, "w") as f:
        f.write(behave("pid_file: %s\nlog:\n  file: %s\n  level: debug" % (pid_file, log))
                .replace("@LISTEN@", "unix:" + sock).replace("@APPS@", APPS))
    out = subprocess.run([PYFPM, "-D", "-c", cfg], capture_output=True, timeout=20)
    eq(out.returncode, 0, "-D returns at once with 0")
    deadline = time.time() + 10
    while not (os.path.exists(pid_file) and os.path.exists(sock)):
        check(time.time() < deadline, "pid file and socket appear")
        time.sleep(0.05)
    time.sleep(0.2)
    pid = int(open(pid_file).read())
    os.kill(pid, 0)
    c = Connection("unix:" + sock)
    eq(c.request(make_params("/b/pid")).status, 200, "daemon serves")
    c.close()
    out = subprocess.run([PYFPM, "-D", "-c", cfg], capture_output=True, timeout=20)
    check(out.returncode != 0, "a second instance refuses to start over the pid file")
    os.kill(pid, signal.SIGUSR1)       # reopen logs: must not disturb anything
    os.rename(log, log + ".1")
    os.kill(pid, signal.SIGUSR1)
    deadline = time.time() + 5
    while not os.path.exists(log):
        check(time.time() < deadline, "USR1 reopened the log file")
        time.sleep(0.05)
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 15
    while os.path.exists(pid_file):
        check(time.time() < deadline, "pid file removed at exit")
        time.sleep(0.05)
    text = open(log + ".1").read()
    check("started" in text and "[debug]" in text, "log.file and log.level used")
    check("stopped" in open(log).read(), "new log file written after USR1")


@test
def unix_socket_mode_python_path_and_env():
    tmp = tempfile.mkdtemp(prefix="pyfpm-pp-")
    os.mkdir(tmp + "/lib")
    with open(tmp + "/lib/pyfpm_marker_mod.py", "w") as f:
        f.write("VALUE = 'from python.path'\n")
    with open(tmp + "/app.wsgi", "w") as f:
        f.write("import os, pyfpm_marker_mod\n"
                "def application(e, s):\n"
                "    s('200 OK', [])\n"
                "    return [('%s %s' % (pyfpm_marker_mod.VALUE, os.environ.get('MY_SETTING'))).encode()]\n")
    cfg = """
listen: "@LISTEN@"
socket_mode: "0600"
processes: 1
threads: 1
env:
  MY_SETTING: from-env
python:
  path: [%s/lib]
routes:
  - prefix: /sub
    script: %s/app.wsgi
  - prefix: /main
    script: %s/app.wsgi
    group: "%%{GLOBAL}"
""" % (tmp, tmp, tmp)
    with Daemon(cfg) as d:
        eq(os.stat(d.listen[5:]).st_mode & 0o777, 0o600, "socket_mode")
        eq(d.get("/sub").text, "from python.path from-env", "sub-interpreter")
        eq(d.get("/main").text, "from python.path from-env", "main interpreter")


@test
def python_home_virtualenv():
    py = os.environ.get("PYTHON_BIN") or "/usr/bin/python3"
    venv = tempfile.mkdtemp(prefix="pyfpm-venv-")
    r = subprocess.run([py, "-m", "venv", "--without-pip", venv], capture_output=True, text=True)
    check(r.returncode == 0, "venv created with %s: %s" % (py, r.stderr[-500:]))
    site = subprocess.run([venv + "/bin/python", "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, "pyfpm_venv_marker.py"), "w") as f:
        f.write("WHERE = 'venv'\n")
    with open(venv + "/app.wsgi", "w") as f:
        f.write("import sys, pyfpm_venv_marker\n"
                "def application(e, s):\n"
                "    s('200 OK', [])\n"
                "    return [('%s %s' % (pyfpm_venv_marker.WHERE, sys.prefix)).encode()]\n")
    cfg = """
listen: "@LISTEN@"
processes: 1
threads: 1
python:
  home: %s
routes:
  - prefix: /
    script: %s/app.wsgi
""" % (venv, venv)
    with Daemon(cfg) as d:
        eq(d.get("/x").text, "venv %s" % venv, "imports from the venv, sys.prefix is the venv")


@test
def ipv6_listen():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        check(False, "IPv6 loopback unavailable on this machine")
    port = free_port()
    with Daemon(behave(), listen="[::1]:%d" % port) as d:
        eq(d.get("/b/pid").status, 200, "served over [::1]")


@test
def drops_privileges_after_binding():
    check(os.geteuid() == 0, "this test needs root (CI runs as root)")
    import pwd
    nobody = pwd.getpwnam("nobody")
    tmp = tempfile.mkdtemp(prefix="pyfpm-priv-")
    os.chmod(tmp, 0o755)
    with open(tmp + "/app.wsgi", "w") as f:
        f.write("import os\ndef application(e, s):\n    s('200 OK', [])\n"
                "    return [('%d %d' % (os.getuid(), os.getgid())).encode()]\n")
    os.chmod(tmp + "/app.wsgi", 0o644)
    cfg = """
listen: "@LISTEN@"
socket_mode: "0666"
user: nobody
group: nogroup
processes: 1
threads: 1
routes:
  - prefix: /
    script: %s/app.wsgi
""" % tmp
    py = os.environ.get("PYTHON_BIN", "")
    readable = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                               "--clear-groups", py, "-c", "import os, json"],
                              capture_output=True).returncode == 0
    if not readable:
        # a Python under /root (pyenv) cannot start once we are nobody: the
        # workers must say so, and the master must back off, not spin
        with Daemon(cfg, wait=False) as d:
            check(d.wait_log("Python did not start") or d.wait_log("Python failed"),
                  "worker reports that Python cannot start")
            check(d.wait_log("died at start-up; next try"), "master backs off")
        return
    with Daemon(cfg) as d:
        eq(d.get("/").text, "%d %d" % (nobody.pw_uid, nobody.pw_gid), "worker uid and gid")
        st = os.stat(d.listen[5:])
        eq(st.st_uid, 0, "socket bound as root before dropping")
    # numeric ids, with no passwd or group entry, as in containers
    with Daemon(cfg.replace("user: nobody", 'user: "54321"')
                .replace("group: nogroup", 'group: "54322"')) as d:
        eq(d.get("/").text, "54321 54322", "numeric uid and gid")


@test
def socket_from_systemd_listen_fds():
    tmp = tempfile.mkdtemp(prefix="pyfpm-sd-")
    path = tmp + "/activated.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(16)
    cfg = tmp + "/pyfpm.yaml"
    with open(cfg, "w") as f:
        f.write(behave().replace("@LISTEN@", "unix:" + tmp + "/unused.sock")
                .replace("@APPS@", APPS))
    # as systemd does: the socket on fd 3, LISTEN_PID naming pyfpm itself
    script = '[ "$2" = 3 ] || eval "exec 3<&$2 $2<&-"; LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -c "$1"'
    p = subprocess.Popen(["sh", "-c", script, PYFPM, cfg, str(s.fileno())],
                         pass_fds=(s.fileno(),),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 15
        while True:
            try:
                c = Connection("unix:" + path)
                r = c.request(make_params("/b/pid"))
                c.close()
                break
            except (OSError, ConnectionError):
                check(time.time() < deadline, "pyfpm serves the passed socket")
                time.sleep(0.1)
        eq(r.status, 200, "served on the socket systemd passed")
        check(not os.path.exists(tmp + "/unused.sock"), "did not bind listen: itself")
    finally:
        p.send_signal(signal.SIGTERM)
        out = p.communicate(timeout=20)[0].decode()
        s.close()
    check("passed by systemd" in out, out)


@test
def installed_default_config_serves_its_example_app():
    src = os.environ.get("top_srcdir", ".")
    with open(os.path.join(src, "config", "default.yaml")) as f:
        text = f.read()
    check("listen: 127.0.0.1:9000" in text, "default listen")
    text = text.replace("listen: 127.0.0.1:9000", 'listen: "@LISTEN@"').replace(
        "/usr/share/pyfpm/example.wsgi", os.path.join(os.path.abspath(src), "config", "example.wsgi"))
    out = subprocess.run([PYFPM, "-t", "-c", os.path.join(src, "config", "default.yaml")],
                         capture_output=True, text=True)
    eq(out.returncode, 0, "config/default.yaml is valid: " + out.stderr)
    with Daemon(text) as d:
        r = d.get("/hello")
        eq(r.status, 200, "status")
        check("is serving this example app" in r.text, r.text)
        eq(d.get("/pyfpm-ping").body, b"pong\n", "ping_path")


@test
def silent_client_does_not_hold_a_thread():
    """A peer that connects and sends nothing must not take the only
    thread for good: its reads time out after request_timeout."""
    with Daemon(behave("request_timeout: 1s", threads=1)) as d:
        silent = d.connect()
        time.sleep(0.2)
        t0 = time.time()
        r = d.get("/b/pid")
        eq(r.status, 200, "served after the silent peer timed out")
        check(time.time() - t0 < 10, "within about request_timeout")
        silent.close()


@test
def reload_drains_kept_connections():
    """After HUP, a request on a connection the old worker kept is still
    answered, and then the connection is closed (not reused)."""
    with Daemon(behave(processes=1, threads=2)) as d:
        c = d.connect()
        old = c.request(make_params("/b/pid"), keep=True).text
        d.send_signal(signal.SIGHUP)
        check(d.wait_log("generation 2 started"), "reloaded")
        r = c.request(make_params("/b/pid"), keep=True)
        eq(r.status, 200, "answered on the kept connection")
        eq(r.text, old, "by the old worker")
        check(c.sock.recv(1) == b"", "then closed by the draining worker")
        c.close()
        check(d.wait_log("generation 1 retired"), "old worker left after draining")
        eq(d.get("/b/pid").status, 200, "new generation serves")
        check(d.get("/b/pid").text != old, "new worker")


def main():
    sys.exit(run())


if __name__ == "__main__":
    main()
