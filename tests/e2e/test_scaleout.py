"""End-to-end: the scale-out recipe (docs/frontends/nginx-pyfpm-scaleout.conf
and pyfpm-scaleout.yaml): three single-process pyfpm instances behind nginx
`hash $pyfpm_group_key consistent`.  Every user's requests run in one
interpreter: the app's per-interpreter counter goes 1, 2, 3... without gaps
for each user, also with requests sent concurrently, and users whose
instance stays up keep their interpreter when another instance stops.
"""
import os
import random
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2etest import (APPS, NGINX_FASTCGI_PARAMS, SERVER_NAME, Nginx,  # noqa: E402
                     Pyfpm, Site, Suite, Workdir, check, doc, edit_once, eq,
                     free_port, need_tools, render, say, web_user)

USERS = ["u%02d" % i for i in range(1, 13)]
ROUNDS = 6


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


class Scaleout:
    def __init__(self):
        self.wd = Workdir("pyfpm-e2e-scaleout-")
        self.instances = []
        self.nginx = None
        self.site = None

    def start(self):
        need_tools("nginx", "curl")
        for i in range(3):
            listen = "127.0.0.1:%d" % free_port()
            yaml = render(doc("pyfpm-scaleout.yaml"), LISTEN=listen,
                          WEB_USER=web_user()[0],
                          SITE_WSGI=os.path.join(APPS, "probe.wsgi"))
            self.instances.append(Pyfpm(self.wd, "pyfpm-%d" % (i + 1), yaml, listen))
        self.nginx, self.site = self.start_nginx("nginx", lambda conf: conf)

    def start_nginx(self, name, edit):
        port = free_port()
        conf = edit(doc("nginx-pyfpm-scaleout.conf"))
        conf = render(conf, PYFPM_1=self.instances[0].nginx_address(),
                      PYFPM_2=self.instances[1].nginx_address(),
                      PYFPM_3=self.instances[2].nginx_address(),
                      PORT="127.0.0.1:%d" % port, SERVER_NAME=SERVER_NAME)
        with open(NGINX_FASTCGI_PARAMS) as f:
            params = f.read()
        nginx = Nginx(self.wd.child(name), "    include pyfpm.conf;\n",
                      {"pyfpm.conf": conf, "fastcgi_params": params},
                      [("127.0.0.1", port)])
        return nginx, Site("http", port, "127.0.0.1", port)

    def instance_of(self, pid):
        """Which instance (0-2) a worker pid belongs to."""
        parent = ppid(pid)
        for i, inst in enumerate(self.instances):
            if inst.proc.pid == parent:
                return i
        raise AssertionError("pid %d (parent %d) is no instance's worker" % (pid, parent))

    def hit(self, user, site=None):
        r = (site or self.site).get("/~%s/count" % user)
        eq(r.status, 200, "status for %s (%r)" % (user, r.body[:200]))
        j = r.json()
        eq(j["group"], "~" + user, "group")
        return j

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        for inst in self.instances:
            inst.stop()
        self.wd.cleanup()


def concurrent(so, jobs, threads=4):
    """Runs hit(user) for each user in jobs from several threads; returns
    {user: [responses]}."""
    out = {}
    errors = []
    lock = threading.Lock()
    queue = list(jobs)

    def work():
        while True:
            with lock:
                if not queue:
                    return
                user = queue.pop()
            try:
                j = so.hit(user)
            except Exception as e:      # reported below, in the main thread
                errors.append(e)
                return
            with lock:
                out.setdefault(user, []).append(j)

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]
    return out


def pinned_without_gaps(so, state):
    jobs = [u for _ in range(ROUNDS) for u in USERS]
    random.Random(4).shuffle(jobs)
    got = concurrent(so, jobs)
    used = set()
    for user in USERS:
        rs = got[user]
        pids = {j["pid"] for j in rs}
        eq(len(pids), 1, "%s's requests ran in one process: %r" % (user, pids))
        eq(sorted(j["counter"] for j in rs), list(range(1, ROUNDS + 1)),
           "%s's counter, one interpreter, no gaps" % user)
        inst = so.instance_of(pids.pop())
        used.add(inst)
        state[user] = (inst, ROUNDS)
    say("users per instance: %s" % {i + 1: sorted(u for u in USERS if state[u][0] == i)
                                     for i in range(3)})
    check(len(used) >= 2, "the hash spreads 12 users over the instances: %r" % used)
    pids = {so.site.get("/about").json()["pid"] for _ in range(4)}
    eq(len(pids), 1, "requests outside /~user/ stay on one instance too")


def control_round_robin(so):
    """The same requests without the hash line: nginx's default round-robin
    spreads each user over the instances, so the recipe's line is what pins
    them (and this test can tell)."""
    nginx, site = so.start_nginx("nginx-rr", lambda conf: edit_once(
        conf, "    hash $pyfpm_group_key consistent;\n", ""))
    try:
        spread = 0
        for user in ("rr%02d" % i for i in range(1, 5)):
            pids = {so.hit(user, site)["pid"] for _ in range(6)}
            spread += len(pids) > 1
        eq(spread, 4, "round-robin: users whose requests hit several processes")
    finally:
        nginx.stop()


def survivors_keep_state(so, state):
    """Stop the instance with the most users: the others' users keep their
    interpreter (consistent hashing moves only the stopped one's users)."""
    counts = [sum(1 for u in USERS if state[u][0] == i) for i in range(3)]
    gone = counts.index(max(counts))
    so.instances[gone].stop()
    for user in USERS:
        inst, n = state[user]
        j = so.hit(user)
        if inst == gone:
            eq(j["counter"], 1, "%s moved to a new interpreter" % user)
            check(so.instance_of(j["pid"]) != gone, "moved off the stopped instance")
        else:
            eq(so.instance_of(j["pid"]), inst, "%s stays on instance %d" % (user, inst + 1))
            eq(j["counter"], n + 1, "%s's counter continues" % user)


def main():
    suite = Suite("e2e scale-out")
    so = Scaleout()
    state = {}
    try:
        if suite.case("start 3 single-process pyfpm instances behind nginx "
                      "hash ... consistent (docs/frontends)", so.start):
            suite.logs = [lambda: ("nginx error log", so.nginx.log_text())] + [
                (lambda i=i: ("pyfpm-%d log" % (i + 1), so.instances[i].log_text()))
                for i in range(3)]
            if suite.case("%d users x %d concurrent requests: one interpreter "
                          "each, counters without gaps" % (len(USERS), ROUNDS),
                          pinned_without_gaps, so, state):
                suite.case("control: without the hash line (round-robin) "
                           "users are spread", control_round_robin, so)
                suite.case("one instance stops: the other users keep their "
                           "interpreters", survivors_keep_state, so, state)
    finally:
        so.stop()
    return suite.finish()


if __name__ == "__main__":
    sys.exit(main())
