"""Integration: application groups observed from inside the app, through
the real daemon (SPEC "Group names", WSGIApplicationGroup.rst)."""
import json
import os
import subprocess
import sys

from pyfpmtest import (Daemon, PYFPM, check, eq, make_params, run, test)

CONFIG = """
listen: "@LISTEN@"
processes: 1
threads: 2
max_interpreters: 32
env:
  PROCESS_GROUP: from-process-env
  INDIRECT: "%{GLOBAL}"
routes:
  - prefix: /wsgi-scripts/foo
    script: "@APPS@/info.wsgi"
  - prefix: /server
    script: "@APPS@/info.wsgi"
    group: "%{SERVER}"
  - prefix: /global
    script: "@APPS@/info.wsgi"
    group: "%{GLOBAL}"
  - prefix: /host
    script: "@APPS@/info.wsgi"
    group: "%{HOST}"
  - prefix: /user
    script: "@APPS@/info.wsgi"
    group: "%{ENV:APPLICATION_GROUP}"
  - prefix: /procenv
    script: "@APPS@/info.wsgi"
    group: "%{ENV:PROCESS_GROUP}"
  - prefix: /indirect
    script: "@APPS@/info.wsgi"
    group: "%{ENV:INDIRECT}"
  - prefix: /missing
    script: "@APPS@/info.wsgi"
    group: "%{ENV:NOT_SET_ANYWHERE}"
  - prefix: /shared-a
    script: "@APPS@/info.wsgi"
    group: shared
  - prefix: /shared-b
    script: "@APPS@/info.wsgi"
    group: shared
  - prefix: /shared-other
    script: "@APPS@/other.wsgi"
    group: shared
  - prefix: /lit-x
    script: "@APPS@/info.wsgi"
    group: Literal-X
  - prefix: /lit-x-lower
    script: "@APPS@/info.wsgi"
    group: literal-x
"""

D = None


def info(path, **kw):
    r = D.get(path, **kw)
    eq(r.status, 200, "status of %s (%r)" % (path, r.body[:300]))
    return json.loads(r.body)


@test
def resource_default_on_8080():
    j = info("/wsgi-scripts/foo", port=8080)
    eq(j["group"], "www.example.com:8080|/wsgi-scripts/foo", "group")
    eq(j["script_name"], "/wsgi-scripts/foo", "SCRIPT_NAME")
    eq(j["path_info"], "", "PATH_INFO")
    check(j["interp"] != 0, "a named group runs in a sub-interpreter")


@test
def resource_on_80_and_443_has_no_port():
    eq(info("/wsgi-scripts/foo/x", port=80)["group"],
       "www.example.com|/wsgi-scripts/foo", "on 80")
    j = info("/wsgi-scripts/foo/x", port=443, https=True)
    eq(j["group"], "www.example.com|/wsgi-scripts/foo", "on 443")
    eq(j["url_scheme"], "https", "url_scheme")
    eq(j["path_info"], "/x", "PATH_INFO")


@test
def server_group():
    eq(info("/server", port=80)["group"], "www.example.com", "80")
    eq(info("/server", port=443)["group"], "www.example.com", "443")
    eq(info("/server", port=8080)["group"], "www.example.com:8080", "8080")


@test
def global_is_main_interpreter():
    j = info("/global")
    eq(j["group"], "", "group")
    check(j["interp"] in (0, None), "main interpreter id is 0, got %r" % j["interp"])


@test
def host_group():
    p = make_params("/host", port=8080, extra=[("HTTP_HOST", "WWW.Example.COM:8080")])
    c = D.connect()
    r = c.request(p)
    c.close()
    eq(json.loads(r.body)["group"], "www.example.com:8080", "%{HOST}")


@test
def env_group_from_forwarded_param():
    a = info("/user/x", extra=[("APPLICATION_GROUP", "~alice")])
    b = info("/user/x", extra=[("APPLICATION_GROUP", "~bob")])
    eq(a["group"], "~alice", "alice")
    eq(b["group"], "~bob", "bob")
    check(a["interp"] != b["interp"], "alice and bob in different interpreters")
    a2 = info("/user/x", extra=[("APPLICATION_GROUP", "~alice")])
    eq(a2["interp"], a["interp"], "alice again in the same interpreter")
    eq(a2["counter"], a["counter"] + 1, "alice's module state kept")


@test
def env_group_setenv_global_expands_once_more():
    j = info("/user/x", extra=[("APPLICATION_GROUP", "%{GLOBAL}")])
    eq(j["group"], "", "SetEnv APPLICATION_GROUP %{GLOBAL}")
    check(j["interp"] in (0, None), "main interpreter")


@test
def env_group_from_process_env_and_indirect():
    eq(info("/procenv")["group"], "from-process-env", "env: fallback")
    eq(info("/indirect")["group"], "", "env: value %{GLOBAL} expanded")


@test
def env_group_missing_is_literal_and_warned_once():
    eq(info("/missing")["group"], "%{ENV:NOT_SET_ANYWHERE}", "literal")
    info("/missing")
    check(D.wait_log("NOT_SET_ANYWHERE"), "warning logged")
    warnings = [l for l in D.log_text().splitlines()
                if "[warn]" in l and "NOT_SET_ANYWHERE" in l]
    eq(len(warnings), 1, "warned once")


@test
def state_shared_within_group_invisible_across():
    a1 = info("/lit-x")
    a2 = info("/lit-x")
    b = info("/lit-x-lower")
    eq(a2["counter"], a1["counter"] + 1, "same group shares module state")
    eq(b["group"], "literal-x", "names are case-sensitive")
    check(b["interp"] != a1["interp"], "different interpreter")
    info("/lit-x", query="setpath")
    eq(info("/lit-x")["markers"], ["/nonexistent/marker-Literal-X"], "sys.path change kept")
    eq(info("/lit-x-lower")["markers"], [], "sys.path change invisible to another group")


@test
def two_routes_one_literal_group_share_interpreter_and_module():
    a = info("/shared-a")
    b = info("/shared-b")
    eq(a["group"], "shared", "group")
    eq(a["interp"], b["interp"], "same interpreter")
    eq(a["module_id"], b["module_id"], "script loaded once per interpreter")
    eq(b["counter"], a["counter"] + 1, "shared module state")
    r = D.get("/shared-other")
    interp, pid, mods = r.text.split(" ")
    eq(int(interp), a["interp"], "another script, same group: same interpreter")
    check(a["name"] in mods.split(","), "info.wsgi's module visible there")


@test
def spec_examples_through_cgi_fcgi():
    """libfcgi's own client, as an operator would use it."""
    cases = [
        ("/server", "80", {}, "www.example.com"),
        ("/server", "443", {}, "www.example.com"),
        ("/server", "8080", {}, "www.example.com:8080"),
        ("/wsgi-scripts/foo", "8080", {}, "www.example.com:8080|/wsgi-scripts/foo"),
        ("/global", "80", {}, ""),
        ("/user/x", "80", {"APPLICATION_GROUP": "~alice"}, "~alice"),
    ]
    for path, port, extra, want in cases:
        env = {"SCRIPT_NAME": path, "REQUEST_METHOD": "GET", "REQUEST_URI": path,
               "SERVER_NAME": "www.example.com", "SERVER_PORT": port,
               "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        env.update(extra)
        out = subprocess.run(["cgi-fcgi", "-bind", "-connect", D.listen[5:]],
                             env=env, capture_output=True, timeout=30)
        check(out.returncode == 0, "cgi-fcgi ran: %r" % out.stderr)
        body = out.stdout.split(b"\r\n\r\n", 1)[1]
        eq(json.loads(body)["group"], want, "group of %s on %s" % (path, port))


@test
def explain_agrees_with_the_daemon():
    out = subprocess.run([PYFPM, "-c", D.config_path, "--explain",
                          "http://www.example.com:8080/wsgi-scripts/foo/bar"],
                         capture_output=True, text=True)
    eq(out.returncode, 0, "explain exit status")
    check('group: "www.example.com:8080|/wsgi-scripts/foo"' in out.stdout, out.stdout)
    check("path_info: /bar" in out.stdout, out.stdout)


def main():
    global D
    with Daemon(CONFIG) as d:
        D = d
        rc = run(d)
    sys.exit(rc)


if __name__ == "__main__":
    main()
