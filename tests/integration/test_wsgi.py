"""Integration: PEP 3333 behaviour through the real daemon: bodies, errors,
iterables, file_wrapper, large transfers, keep-conn, limits."""
import hashlib
import os
import sys

from pyfpmtest import (Connection, Daemon, check, eq, make_params, run, test)

CONFIG = """
listen: "@LISTEN@"
processes: 1
threads: 4
max_body: 200M
ping_path: /pyfpm-ping
log:
  level: info
  access: true
routes:
  - prefix: /b
    script: "@APPS@/behave.wsgi"
    group: behave
  - prefix: /v
    script: "@APPS@/behave.wsgi"
    callable: validated
    group: behave
  - prefix: /nocallable
    script: "@APPS@/behave.wsgi"
    callable: does_not_exist
  - prefix: /noscript
    script: "@DIR@/missing.wsgi"
  - prefix: /small
    script: "@APPS@/behave.wsgi"
"""

D = None


def get(path, **kw):
    return D.get(path, **kw)


@test
def validator_wrapped_app_passes():
    r = get("/v", method="POST", body=b"hello", content_type="text/plain")
    eq(r.status, 200, "status")
    eq(r.body, b"validated:hello", "body")


@test
def exception_gives_500_without_traceback_and_logs_it():
    r = get("/b/raise", query="q=1")
    eq(r.status, 500, "status")
    check(b"Traceback" not in r.body and b"boom" not in r.body, r.body)
    check(D.wait_log("boom from the app"), "traceback in the log")
    log = D.log_text()
    check("Traceback" in log, "full traceback logged")
    line = [l for l in log.splitlines() if "behave" in l and "/b/raise" in l]
    check(line, "log names group and URI")


@test
def bad_responses_give_500():
    for path in ("/b/badheader", "/b/hopbyhop", "/b/badstatus",
                 "/b/noniterable", "/b/strbody", "/b/genraise"):
        r = get(path)
        eq(r.status, 500, path)
        check(b"Traceback" not in r.body, path)


@test
def error_after_first_chunk_aborts_and_closes():
    before = int(get("/b/closed").body)
    c = D.connect()
    try:
        r = c.request(make_params("/b/genraise-late"))
        check(r.status == 200 and r.body.startswith(b"first chunk"), r)
        check(b"second" not in r.body, "response cut short")
    except ConnectionError:
        pass   # an aborted response may also end the connection
    c.close()
    eq(int(get("/b/closed").body), before + 1, "close() called")


@test
def close_called_on_success_and_when_client_gone():
    before = int(get("/b/closed").body)
    eq(get("/b/tracked").body, b"abc", "body")
    eq(int(get("/b/closed").body), before + 1, "close() after success")
    # a client that sends the request and goes away at once
    c = D.connect()
    c.send_request(make_params("/b/tracked"))
    c.close()
    for _ in range(100):
        if int(get("/b/closed").body) == before + 2:
            break
        __import__("time").sleep(0.05)
    eq(int(get("/b/closed").body), before + 2, "close() when client gone")


@test
def write_callable_and_exc_info():
    eq(get("/b/write").body, b"written then returned", "write()")
    r = get("/b/exc_info")
    eq(r.status, 500, "status from exc_info start_response")
    eq(r.body, b"recovered", "body")


@test
def head_sends_no_body():
    r = get("/b/tracked", method="HEAD")
    eq(r.status, 200, "status")
    eq(r.body, b"", "no body for HEAD")


@test
def file_wrapper():
    r = get("/b/filewrapper")
    with open(os.path.join(os.environ.get("top_srcdir", "."), "tests",
                           "integration", "apps", "behave.wsgi"), "rb") as f:
        eq(r.body, f.read(), "file contents")


@test
def input_bounded_by_content_length():
    p = make_params("/b/readlines", method="POST", body=b"a\nb\nc")
    p = [(k, v) for k, v in p if k != "CONTENT_LENGTH"] + [("CONTENT_LENGTH", "3")]
    c = D.connect()
    try:
        c.send_request(p, body=b"a\nb\nc")
    except BrokenPipeError:
        pass    # pyfpm answered after 3 bytes and closed: fine
    r = c.read_response()
    c.close()
    eq(r.body, repr([b"a\n", b"b"]).encode(), "read stops at CONTENT_LENGTH")


@test
def body_100mb_checksum():
    size = 100 * 1024 * 1024
    block = os.urandom(1 << 20)
    h = hashlib.sha256()
    for _ in range(100):
        h.update(block)
    p = make_params("/b/echo-sha", method="POST", body=b"x")
    p = [(k, v) for k, v in p if k != "CONTENT_LENGTH"] + [("CONTENT_LENGTH", str(size))]
    c = D.connect(timeout=120)
    r = c.request(p, body_chunks=[block] * 100)
    c.close()
    eq(r.text, "%d %s" % (size, h.hexdigest()), "size and sha256")


@test
def response_100mb_streamed_checksum():
    size = 100 * 1024 * 1024
    block = bytes(range(256)) * 256
    want = hashlib.sha256()
    left = size
    while left > 0:
        want.update(block[:min(left, len(block))])
        left -= len(block)
    got = hashlib.sha256()
    n = [0]

    def sink(chunk):
        got.update(chunk)
        n[0] += len(chunk)
    c = D.connect(timeout=120)
    r = c.request(make_params("/b/stream", query=str(size)), sink=sink)
    c.close()
    eq(r.status, 200, "status")
    eq(n[0], size, "bytes received")
    eq(got.hexdigest(), want.hexdigest(), "sha256 of the streamed body")


@test
def keep_conn_serves_several_requests_on_one_connection():
    c = D.connect()
    pids = set()
    for i in range(5):
        r = c.request(make_params("/b/pid"), keep=True)
        eq(r.status, 200, "request %d" % i)
        pids.add(r.text)
    # a POST whose body the app does not read must not break the next one
    r = c.request(make_params("/b/pid", method="POST", body=b"z" * 100000),
                  body=b"z" * 100000, keep=True)
    eq(r.status, 200, "unread body")
    r = c.request(make_params("/b/pid"), keep=True)
    eq(r.status, 200, "after unread body")
    # a body read to exactly CONTENT_LENGTH leaves the empty STDIN record
    # behind: the next request on the connection must still work
    body = b"q" * 70000
    r = c.request(make_params("/b/echo-sha", method="POST", body=body),
                  body=body, keep=True)
    eq(r.text.split()[0], "70000", "read body")
    r = c.request(make_params("/b/pid"), keep=True)
    eq(r.status, 200, "after a fully read body")
    c.close()


@test
def missing_script_and_callable_give_500_naming_the_file():
    eq(get("/noscript").status, 500, "missing script")
    check(D.wait_log("missing.wsgi"), "log names the missing file")
    eq(get("/nocallable").status, 500, "missing callable")
    check(D.wait_log("does_not_exist"), "log names the callable")


@test
def no_route_404_and_ping():
    eq(get("/nothing-here").status, 404, "no route")
    r = get("/pyfpm-ping")
    eq((r.status, r.body), (200, b"pong\n"), "ping")


@test
def repeated_param_last_wins():
    p = make_params("/b/pid") + [("SCRIPT_NAME", "/b/errors")]
    c = D.connect()
    r = c.request(p)
    c.close()
    eq(r.body, b"ok", "the second SCRIPT_NAME was used")
    check(D.wait_log("a line for the log"), "wsgi.errors reaches the log")
    line = [l for l in D.log_text().splitlines() if "a line for the log" in l][0]
    check("behave" in line, "wsgi.errors line carries the group: " + line)


@test
def print_goes_to_the_log_with_the_group():
    eq(get("/b/print").body, b"ok", "body")
    check(D.wait_log("printed to stdout False"), "sys.stdout reaches the log")
    check(D.wait_log("printed to stderr"), "sys.stderr reaches the log")
    lines = [l for l in D.log_text().splitlines() if "printed to" in l]
    check(all('[group "behave"]' in l for l in lines), lines)


@test
def access_log_lines():
    get("/b/pid")
    check(D.wait_log("GET /b/pid 200"), "access line with method uri status")


def main():
    global D
    with Daemon(CONFIG) as d:
        D = d
        rc = run(d)
    sys.exit(rc)


if __name__ == "__main__":
    main()
