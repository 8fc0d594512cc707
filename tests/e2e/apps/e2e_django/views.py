import hashlib
import os
import time
from urllib.parse import urlencode

from django.http import (HttpResponse, HttpResponseRedirect, JsonResponse,
                         StreamingHttpResponse)
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition

STREAM_CHUNKS = 200


def stream_chunk(i):
    """Chunk i of stream/ (the tests compute the same bytes)."""
    return (b"%05d:" % i) * 1000


def index(request):
    return JsonResponse({
        "group": request.META["pyfpm.application_group"],
        "script_prefix": get_script_prefix(),
        "path": request.path, "path_info": request.path_info,
        "full_path": request.get_full_path(),
        "index": reverse("index"),
        "item": reverse("item", args=["a b"]),
        "form_absolute": request.build_absolute_uri(reverse("form")),
        "scheme": request.scheme, "secure": request.is_secure(),
        "pid": os.getpid(),
    })


def item(request, name):
    return JsonResponse({"name": name, "path": request.path,
                         "script_name": request.META["SCRIPT_NAME"],
                         "path_info": request.META["PATH_INFO"]})


def form(request):
    if request.method == "POST":
        return HttpResponseRedirect(reverse("done") + "?" + urlencode(
            {"note": request.POST.get("note", "")}))
    return render(request, "form.html", {"action": reverse("form")})


def done(request):
    return HttpResponse("done: %s\n" % request.GET.get("note", ""),
                        content_type="text/plain")


@csrf_exempt
def upload(request):
    h = hashlib.sha256()
    chunks = []
    while True:
        chunk = request.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        chunks.append(chunk)
    size = sum(len(c) for c in chunks)
    resp = HttpResponse(b"".join(chunks),
                        content_type="application/octet-stream")
    resp["X-Upload-SHA256"] = h.hexdigest()
    resp["X-Upload-Size"] = str(size)
    return resp


def stream(request):
    def generate():
        for i in range(STREAM_CHUNKS):
            if i % 50 == 49:
                time.sleep(0.02)
            yield stream_chunk(i)
    return StreamingHttpResponse(generate(),
                                 content_type="application/octet-stream")


@condition(etag_func=lambda request: '"v1"')
def etag(request):
    return HttpResponse("versioned body\n", content_type="text/plain")


def cookies(request):
    resp = JsonResponse({"cookies": dict(request.COOKIES),
                         "multi": request.META.get("HTTP_X_MULTI")})
    resp.set_cookie("first", "1", path=reverse("index"))
    resp.set_cookie("second", "two words", httponly=True)
    return resp
