#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * start_response, write() and the sending of the app's iterable (PEP 3333
 * "The start_response() Callable", "Buffering and Streaming").
 *
 * Headers go out lazily, with the first non-empty chunk (or write(), or the
 * iterable's end), in the same req->write call as that chunk when the two
 * are small.  req->write may block when the client reads slowly, so the GIL
 * is dropped around it, except for small writes: a write that only fills
 * the protocol layer's buffer costs far less than giving up the GIL, which
 * a busy thread may then keep for a whole switch interval.  At most
 * RESPONSE_HELD_MAX bytes are written with the GIL held between two drops,
 * so no more than one socket write can wait with the GIL held.
 *
 * A block produced by a generator is flushed before the generator is asked
 * for the next one: PEP 3333 forbids delaying a block while the app makes
 * the next.  Chunks of a list or tuple are all there already, and go out
 * together.
 */

#include "server/wsgi/response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/python/interp.h"
#include "server/wsgi/filewrap.h"
#include "server/wsgi/headers.h"

#define RESPONSE_HELD_MAX	8192	/* libfcgi's output buffer */
#define RESPONSE_COALESCE_MAX	65536	/* headers + first chunk in one write */
#define RESPONSE_FILE_BLOCK	65536	/* file_wrapper fast path */

#define RESPONSE_500_BODY	"Internal Server Error\n"
#define RESPONSE_500 \
	"Status: 500 Internal Server Error\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n" \
	"Content-Length: 22\r\n\r\n"

struct response {
	PyObject_HEAD
	struct request		*req;	/* NULL once the request ended */
	struct wsgi_state	*st;
	struct wsgi_headers	 hdr;
	bool			 called;	/* start_response succeeded */
	bool			 sent;		/* headers went to req->write */
	bool			 head;		/* HEAD: no body bytes */
	bool			 gone;		/* req->write failed */
	bool			 busy;		/* writing without the GIL */
	bool			 dirty;		/* written since last flush */
	size_t			 held;		/* written with the GIL held */
	long long		 body;		/* body bytes passed on */
};

/* Writes n bytes through req->write; -1 (self->gone) when the client went
 * away.  Drops the GIL unless the write is small (see the top comment). */
static int
out(struct response *self, const char *p, size_t n)
{
	struct request	*req = self->req;
	void		*token;
	int		 r;

	if (self->gone)
		return -1;
	if (self->held + n < RESPONSE_HELD_MAX) {
		r = req->write(req, p, n);
		self->held += n;
	} else {
		self->busy = true;
		token = interp_block();
		r = req->write(req, p, n);
		interp_unblock(token);
		self->busy = false;
		self->held = 0;
	}
	self->dirty = true;
	if (r == -1)
		self->gone = true;
	return r == -1 ? -1 : 0;
}

/* Pushes written bytes to the client now, without the GIL. */
static int
flush(struct response *self)
{
	struct request	*req = self->req;
	void		*token;
	int		 r;

	if (!self->dirty || self->gone || req->flush == NULL)
		return self->gone ? -1 : 0;
	self->busy = true;
	token = interp_block();
	r = req->flush(req);
	interp_unblock(token);
	self->busy = false;
	self->dirty = false;
	self->held = 0;
	if (r == -1)
		self->gone = true;
	return r == -1 ? -1 : 0;
}

/* Sends the headers, with the first n body bytes when they fit. */
static int
send_headers(struct response *self, const char *p, size_t n)
{
	struct wsgi_headers	*h = &self->hdr;
	char			*nbuf;
	int			 r;

	/* From here on, start_response(exc_info) re-raises: hdr is ours. */
	self->sent = true;
	self->req->status = h->status;
	if (n > 0 && h->len + n <= RESPONSE_COALESCE_MAX) {
		if (h->len + n > h->cap) {
			if ((nbuf = realloc(h->buf, h->len + n)) == NULL) {
				PyErr_NoMemory();
				return -1;
			}
			h->buf = nbuf;
			h->cap = h->len + n;
		}
		memcpy(h->buf + h->len, p, n);
		r = out(self, h->buf, h->len + n);
	} else {
		r = out(self, h->buf, h->len);
		if (r == 0 && n > 0)
			r = out(self, p, n);
	}
	return r;
}

/* Passes body bytes on, the headers first.  Bytes past Content-Length are
 * dropped, and under HEAD all are.  0, or -1 (exception set, or gone). */
static int
send_body(struct response *self, const char *p, size_t n)
{
	long long	clen = self->hdr.content_length;

	if (!self->called) {
		PyErr_SetString(PyExc_RuntimeError,
		    "body data before start_response() was called");
		return -1;
	}
	if (self->busy) {
		PyErr_SetString(PyExc_RuntimeError,
		    "response written by two threads at once");
		return -1;
	}
	if (self->head)
		n = 0;
	else if (clen >= 0 && (long long)n > clen - self->body)
		n = (size_t)(clen - self->body);
	if (!self->sent) {
		if (send_headers(self, p, n) == -1)
			return -1;
	} else if (n > 0 && out(self, p, n) == -1)
		return -1;
	self->body += (long long)n;
	self->req->bytes_sent += (long long)n;
	return 0;
}

/* True when Content-Length bytes went out: the iterable may stop. */
static bool
complete(struct response *self)
{
	return !self->head && self->hdr.content_length >= 0 &&
	    self->body >= self->hdr.content_length;
}

/* Sends one chunk of the iterable: 0 go on, 1 stop, -1 error. */
static int
chunk(struct response *self, PyObject *c)
{
	if (!PyBytes_Check(c)) {
		PyErr_Format(PyExc_TypeError,
		    "the app's iterable yielded %.200s, not bytes",
		    Py_TYPE(c)->tp_name);
		return -1;
	}
	if (PyBytes_GET_SIZE(c) == 0)
		return 0;
	if (send_body(self, PyBytes_AS_STRING(c),
	    (size_t)PyBytes_GET_SIZE(c)) == -1)
		return -1;
	return complete(self) ? 1 : 0;
}

/* Re-raises exc_info, a (type, value, traceback) tuple. */
static PyObject *
reraise(PyObject *exc_info)
{
	PyObject	*value, *tb;

	if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3 ||
	    !PyExceptionInstance_Check(PyTuple_GET_ITEM(exc_info, 1))) {
		PyErr_SetString(PyExc_TypeError, "exc_info must be a "
		    "(type, value, traceback) tuple, as sys.exc_info() gives");
		return NULL;
	}
	value = PyTuple_GET_ITEM(exc_info, 1);
	tb = PyTuple_GET_ITEM(exc_info, 2);
	if (PyTraceBack_Check(tb) && PyException_SetTraceback(value, tb) == -1)
		return NULL;
	PyErr_SetObject((PyObject *)Py_TYPE(value), value);
	return NULL;
}

/* Parses start_response's arguments; 0, or -1 with an exception set. */
static int
parse_args(PyObject *args, PyObject *kw, PyObject **status,
    PyObject **headers, PyObject **exc_info)
{
	static char	*kwlist[] = { "status", "response_headers", "exc_info",
			    NULL };

	*exc_info = Py_None;
	if (kw == NULL && PyTuple_GET_SIZE(args) >= 2 &&
	    PyTuple_GET_SIZE(args) <= 3) {
		*status = PyTuple_GET_ITEM(args, 0);
		*headers = PyTuple_GET_ITEM(args, 1);
		if (PyTuple_GET_SIZE(args) == 3)
			*exc_info = PyTuple_GET_ITEM(args, 2);
		return 0;
	}
	return PyArg_ParseTupleAndKeywords(args, kw, "OO|O:start_response",
	    kwlist, status, headers, exc_info) ? 0 : -1;
}

static PyObject	*response_write(PyObject *, PyObject *);

static PyMethodDef response_write_def = {
	"write", response_write, METH_O, "write(data): send body bytes now"
};

/* start_response(status, response_headers, exc_info=None) -> write */
static PyObject *
response_call(PyObject *o, PyObject *args, PyObject *kw)
{
	struct response	*self = (struct response *)o;
	PyObject	*status, *headers, *exc_info;

	if (parse_args(args, kw, &status, &headers, &exc_info) == -1)
		return NULL;
	if (self->req == NULL) {
		PyErr_SetString(PyExc_RuntimeError,
		    "start_response() called after its request ended");
		return NULL;
	}
	if (exc_info != Py_None) {
		if (self->sent)
			return reraise(exc_info);
	} else if (self->called) {
		PyErr_SetString(PyExc_RuntimeError,
		    "start_response() called again without exc_info");
		return NULL;
	}
	if (wsgi_headers_set(&self->hdr, status, headers) == -1)
		return NULL;
	self->called = true;
	return PyCFunction_NewEx(&response_write_def, o, NULL);
}

/* write(data): the imperative interface; sends and flushes data. */
static PyObject *
response_write(PyObject *o, PyObject *data)
{
	struct response	*self = (struct response *)o;
	long long	 clen = self->hdr.content_length;
	bool		 over;

	if (self->req == NULL) {
		PyErr_SetString(PyExc_RuntimeError,
		    "write() called after its request ended");
		return NULL;
	}
	if (!PyBytes_Check(data)) {
		PyErr_Format(PyExc_TypeError,
		    "write() argument must be bytes, not %.200s",
		    Py_TYPE(data)->tp_name);
		return NULL;
	}
	over = !self->head && clen >= 0 &&
	    self->body + PyBytes_GET_SIZE(data) > clen;
	if (send_body(self, PyBytes_AS_STRING(data),
	    (size_t)PyBytes_GET_SIZE(data)) == -1 || flush(self) == -1)
		goto fail;
	if (over) {
		/* PEP 3333: what fits went out; the rest is an error. */
		PyErr_SetString(PyExc_ValueError,
		    "write() past the response's Content-Length");
		return NULL;
	}
	Py_RETURN_NONE;
fail:
	if (self->gone && !PyErr_Occurred())
		PyErr_SetString(PyExc_OSError,
		    "client went away while the response was sent");
	return NULL;
}

/* Sends a list or tuple's chunks. */
static int
run_seq(struct response *self, PyObject *seq)
{
	PyObject	*item;
	Py_ssize_t	 i;
	int		 r;

	/* The size is read again each time: another thread may change seq
	 * while a write runs without the GIL. */
	for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
		item = PySequence_Fast_GET_ITEM(seq, i);
		Py_INCREF(item);
		r = chunk(self, item);
		Py_DECREF(item);
		if (r != 0)
			return r == -1 ? -1 : 0;
	}
	return 0;
}

/* Sends any iterable's chunks, flushing each before asking for the next. */
static int
run_iter(struct response *self, PyObject *result)
{
	PyObject	*it, *item;
	bool		 ready;
	int		 r = 0;

	if ((it = PyObject_GetIter(result)) == NULL)
		return -1;
	ready = Py_TYPE(it) == self->st->list_iter_type ||
	    Py_TYPE(it) == self->st->tuple_iter_type;
	while ((item = PyIter_Next(it)) != NULL) {
		r = chunk(self, item);
		Py_DECREF(item);
		if (r != 0 || (!ready && (r = flush(self)) != 0))
			break;
	}
	Py_DECREF(it);
	if (r == -1 || (item == NULL && PyErr_Occurred()))
		return -1;
	return 0;
}

/* Reads up to n bytes of fd at off without the GIL; count or -1 (errno). */
static ssize_t
pread_unblocked(int fd, char *buf, size_t n, off_t off)
{
	void	*token;
	ssize_t	 r;

	token = interp_block();
	do
		r = pread(fd, buf, n, off);
	while (r == -1 && errno == EINTR);
	interp_unblock(token);
	return r;
}

/* Sends a file_wrapper's regular file straight from its descriptor. */
static int
run_file(struct response *self, int fd, off_t off)
{
	long long	 clen = self->hdr.content_length;
	char		*buf;
	size_t		 want;
	ssize_t		 r;
	int		 rc = 0;

	if (self->head)
		return 0;
	if ((buf = malloc(RESPONSE_FILE_BLOCK)) == NULL) {
		PyErr_NoMemory();
		return -1;
	}
	while (!complete(self)) {
		want = RESPONSE_FILE_BLOCK;
		if (clen >= 0 && (long long)want > clen - self->body)
			want = (size_t)(clen - self->body);
		if ((r = pread_unblocked(fd, buf, want, off)) == -1) {
			PyErr_SetFromErrno(PyExc_OSError);
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		off += r;
		if ((rc = send_body(self, buf, (size_t)r)) == -1)
			break;
	}
	free(buf);
	return rc;
}

int
wsgi_response_run(PyObject *o, PyObject *result)
{
	struct response	*self = (struct response *)o;
	int		 fd;
	off_t		 off;

	if (PyList_CheckExact(result) || PyTuple_CheckExact(result))
		return run_seq(self, result);
	if (PyBytes_Check(result)) {
		/* Iterating it would give ints: say what went wrong. */
		PyErr_SetString(PyExc_TypeError, "the app returned bytes, not "
		    "an iterable of bytes (return [body])");
		return -1;
	}
	if (Py_TYPE(result) == self->st->filewrap_type && self->called &&
	    wsgi_filewrap_fd(result, &fd, &off) == 0)
		return run_file(self, fd, off);
	return run_iter(self, result);
}

int
wsgi_response_finish(PyObject *o)
{
	struct response	*self = (struct response *)o;
	long long	 clen = self->hdr.content_length;
	int		 s = self->hdr.status;

	if (!self->called) {
		PyErr_SetString(PyExc_RuntimeError,
		    "the app returned without calling start_response()");
		return -1;
	}
	/* No body is due for HEAD, 1xx, 204 and 304 (RFC 9110 6.4.1). */
	if (!self->head && clen > self->body && s >= 200 && s != 204 &&
	    s != 304) {
		PyErr_Format(PyExc_RuntimeError, "the app sent %lld bytes of "
		    "its Content-Length of %lld", self->body, clen);
		return -1;
	}
	if (!self->sent && send_headers(self, NULL, 0) == -1)
		return -1;
	return 0;
}

int
wsgi_response_fail(PyObject *o)
{
	struct response	*self = (struct response *)o;

	if (self->sent || self->gone) {
		self->req->aborted = true;
		return -1;
	}
	self->sent = true;
	return wsgi_response_500(self->req);
}

bool
wsgi_response_gone(PyObject *o)
{
	return ((struct response *)o)->gone;
}

void
wsgi_response_detach(PyObject *o)
{
	struct response	*self = (struct response *)o;

	self->req = NULL;
	self->st = NULL;
	wsgi_headers_clear(&self->hdr);
}

int
wsgi_response_500(struct request *req)
{
	bool	head = strcmp(req->method, "HEAD") == 0;
	char	buf[sizeof(RESPONSE_500) + sizeof(RESPONSE_500_BODY)];
	size_t	n = sizeof(RESPONSE_500) - 1;

	memcpy(buf, RESPONSE_500, n);
	if (!head) {
		memcpy(buf + n, RESPONSE_500_BODY,
		    sizeof(RESPONSE_500_BODY) - 1);
		n += sizeof(RESPONSE_500_BODY) - 1;
	}
	req->status = 500;
	if (req->write(req, buf, n) == -1) {
		req->aborted = true;
		return -1;
	}
	if (!head)
		req->bytes_sent += (long long)sizeof(RESPONSE_500_BODY) - 1;
	return 0;
}

static void
response_dealloc(PyObject *o)
{
	PyTypeObject	*tp = Py_TYPE(o);

	wsgi_headers_clear(&((struct response *)o)->hdr);
	tp->tp_free(o);
	Py_DECREF(tp);
}

static PyType_Slot response_slots[] = {
	{ Py_tp_dealloc, (void *)response_dealloc },
	{ Py_tp_call, (void *)response_call },
	{ Py_tp_doc, (void *)"start_response(status, response_headers, "
	    "exc_info=None) -> write (PEP 3333)" },
	{ 0, NULL }
};

static PyType_Spec response_spec = {
	.name = "pyfpm.StartResponse",
	.basicsize = sizeof(struct response),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = response_slots,
};

PyTypeObject *
wsgi_response_type_new(void)
{
	return (PyTypeObject *)PyType_FromSpec(&response_spec);
}

PyObject *
wsgi_response_new(struct wsgi_state *st, struct request *req)
{
	struct response	*self;

	if ((self = PyObject_New(struct response, st->response_type)) == NULL)
		return NULL;
	self->req = req;
	self->st = st;
	memset(&self->hdr, 0, sizeof(self->hdr));
	self->hdr.content_length = -1;
	self->called = self->sent = self->gone = false;
	self->busy = self->dirty = false;
	self->head = strcmp(req->method, "HEAD") == 0;
	self->held = 0;
	self->body = 0;
	return (PyObject *)self;
}
