# The e2e Flask app (Debian's python3-flask), mounted at /flask.
import hashlib
import os
import time

from flask import Flask, Response, jsonify, redirect, request, url_for

HERE = os.path.dirname(os.path.abspath(__file__))
app = Flask("e2e_flask", root_path=HERE,
            static_folder=os.path.join(HERE, "static"))
counter = 0

STREAM_CHUNKS = 200


def stream_chunk(i):
    """Chunk i of /stream (the tests compute the same bytes)."""
    return (b"%05d:" % i) * 1000


@app.route("/")
def index():
    return jsonify(
        group=request.environ["pyfpm.application_group"],
        script_root=request.script_root, path=request.path,
        url=request.url, host_url=request.host_url,
        scheme=request.scheme,
        index=url_for("index"),
        hello=url_for("hello", name="a b"),
        hello_external=url_for("hello", name="x", _external=True),
        static=url_for("static", filename="hello.txt"))


@app.route("/hello/<name>")
def hello(name):
    return "Hello %s\n" % name


@app.route("/go")
def go():
    return redirect(url_for("hello", name="redirected"))


@app.route("/env/", defaults={"rest": ""})
@app.route("/env/<path:rest>")
def env(rest):
    e = request.environ
    return jsonify(script_name=e["SCRIPT_NAME"], path_info=e["PATH_INFO"],
                   rest=rest, path=request.path, full_path=request.full_path,
                   args=request.args.to_dict(flat=False),
                   group=e["pyfpm.application_group"])


@app.route("/counter")
def count():
    global counter
    counter += 1
    return jsonify(counter=counter, pid=os.getpid(),
                   group=request.environ["pyfpm.application_group"])


@app.route("/upload", methods=["POST"])
def upload():
    h = hashlib.sha256()
    chunks = []
    while True:
        chunk = request.stream.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        chunks.append(chunk)
    size = sum(len(c) for c in chunks)
    return Response(chunks, content_type="application/octet-stream",
                    headers={"X-Upload-SHA256": h.hexdigest(),
                             "X-Upload-Size": str(size),
                             "Content-Length": str(size)})


@app.route("/stream")
def stream():
    def generate():
        for i in range(STREAM_CHUNKS):
            if i % 50 == 49:
                time.sleep(0.02)
            yield stream_chunk(i)
    return Response(generate(), content_type="application/octet-stream")


@app.route("/etag")
def etag():
    resp = Response("versioned body\n", content_type="text/plain")
    resp.set_etag("v1")
    resp.last_modified = 1700000000
    return resp.make_conditional(request)


@app.route("/cookies")
def cookies():
    resp = jsonify(cookies=request.cookies.to_dict(),
                   multi=request.headers.get("X-Multi"))
    resp.set_cookie("first", "1", path=url_for("index"))
    resp.set_cookie("second", "two words", httponly=True)
    resp.headers.add("X-Multi", "one")
    resp.headers.add("X-Multi", "two")
    return resp


application = app
