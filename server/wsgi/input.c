#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * wsgi.input (PEP 3333): read(size), readline(size), readlines(hint) and
 * iteration over the request body.  Bytes come through req->read with the
 * GIL dropped, into a buffer of at most INPUT_BUFSIZE bytes, so a 100 MB
 * body streams through it; a large read() goes straight into its result.
 * We never ask req->read for more than CONTENT_LENGTH in total.
 */

#include "server/wsgi/input.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/python/interp.h"

#define INPUT_BUFSIZE	65536

struct input {
	PyObject_HEAD
	struct request	*req;		/* NULL once the request ended */
	long long	 left;		/* body bytes not yet read from req */
	char		*buf;
	size_t		 cap;
	size_t		 pos;		/* next unread byte in buf */
	size_t		 end;		/* end of the data in buf */
	bool		 busy;		/* a read waits without the GIL */
};

/* Checks that self may read now; -1 with an exception set if not. */
static int
usable(struct input *self)
{
	if (self->req == NULL) {
		PyErr_SetString(PyExc_ValueError,
		    "wsgi.input read after its request ended");
		return -1;
	}
	if (self->busy) {
		PyErr_SetString(PyExc_RuntimeError,
		    "wsgi.input is being read by another thread");
		return -1;
	}
	return 0;
}

/* Reads up to n body bytes from the client into dst, without the GIL.
 * The count, 0 at the end of the body, or -1 with an exception set. */
static ssize_t
pull(struct input *self, char *dst, size_t n)
{
	struct request	*req = self->req;
	void		*token;
	ssize_t		 r;

	if ((long long)n > self->left)
		n = (size_t)self->left;
	if (n == 0)
		return 0;
	self->busy = true;
	token = interp_block();
	r = req->read(req, dst, n);
	interp_unblock(token);
	self->busy = false;
	if (r < 0) {
		PyErr_SetString(PyExc_OSError,
		    "client went away while sending the request body");
		return -1;
	}
	if (r == 0) {
		/* The body ended before CONTENT_LENGTH: that is its end. */
		self->left = 0;
		return 0;
	}
	self->left -= r;
	return r;
}

/* Refills the buffer when it is empty.  Bytes available, 0 at the end of
 * the body, -1 with an exception set. */
static ssize_t
fill(struct input *self)
{
	ssize_t	r;

	if (self->pos < self->end)
		return (ssize_t)(self->end - self->pos);
	self->pos = self->end = 0;
	if (self->left == 0)
		return 0;
	if (self->buf == NULL) {
		self->cap = self->left < INPUT_BUFSIZE ?
		    (size_t)self->left : INPUT_BUFSIZE;
		if ((self->buf = malloc(self->cap)) == NULL) {
			PyErr_NoMemory();
			return -1;
		}
	}
	if ((r = pull(self, self->buf, self->cap)) > 0)
		self->end = (size_t)r;
	return r;
}

/* Copies up to n body bytes into dst: fewer only at the end of the body.
 * The count, or -1 with an exception set. */
static ssize_t
read_into(struct input *self, char *dst, size_t n)
{
	size_t	got = 0, take;
	ssize_t	r;

	while (got < n) {
		if (self->pos == self->end && n - got >= INPUT_BUFSIZE) {
			/* Large reads skip the buffer. */
			if ((r = pull(self, dst + got, n - got)) == -1)
				return -1;
			if (r == 0)
				break;
			got += (size_t)r;
			continue;
		}
		if ((r = fill(self)) == -1)
			return -1;
		if (r == 0)
			break;
		take = self->end - self->pos;
		if (take > n - got)
			take = n - got;
		memcpy(dst + got, self->buf + self->pos, take);
		self->pos += take;
		got += take;
	}
	return (ssize_t)got;
}

/* Parses the optional size argument of fn: absent, None or negative is -1.
 * 0, or -1 with an exception set. */
static int
size_arg(const char *fn, PyObject *const *args, Py_ssize_t nargs,
    Py_ssize_t *size)
{
	*size = -1;
	if (nargs > 1) {
		PyErr_Format(PyExc_TypeError,
		    "%s() takes at most 1 argument (%zd given)", fn, nargs);
		return -1;
	}
	if (nargs == 0 || args[0] == Py_None)
		return 0;
	if (!PyIndex_Check(args[0])) {
		PyErr_Format(PyExc_TypeError,
		    "%s() argument must be int or None, not '%.200s'", fn,
		    Py_TYPE(args[0])->tp_name);
		return -1;
	}
	*size = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
	if (*size == -1 && PyErr_Occurred())
		return -1;
	if (*size < 0)
		*size = -1;
	return 0;
}

/* read(size=-1): up to size bytes, all that is left when size < 0. */
static PyObject *
input_read(PyObject *o, PyObject *const *args, Py_ssize_t nargs)
{
	struct input	*self = (struct input *)o;
	PyObject	*result;
	Py_ssize_t	 size;
	long long	 have;
	ssize_t		 got;

	if (size_arg("read", args, nargs, &size) == -1 || usable(self) == -1)
		return NULL;
	have = (long long)(self->end - self->pos) + self->left;
	if (have > PY_SSIZE_T_MAX)
		have = PY_SSIZE_T_MAX;
	if (size < 0 || size > have)
		size = (Py_ssize_t)have;
	if ((result = PyBytes_FromStringAndSize(NULL, size)) == NULL)
		return NULL;
	got = read_into(self, PyBytes_AS_STRING(result), (size_t)size);
	if (got == -1) {
		Py_DECREF(result);
		return NULL;
	}
	if (got < size && _PyBytes_Resize(&result, got) == -1)
		return NULL;
	return result;
}

/* Appends n bytes to the growing line *acc; -1 with an exception set. */
static int
append(char **acc, size_t *len, size_t *cap, const char *p, size_t n)
{
	char	*nacc;
	size_t	 ncap;

	if (*len + n > *cap) {
		ncap = *cap == 0 ? 256 : *cap;
		while (ncap < *len + n)
			ncap *= 2;
		if ((nacc = realloc(*acc, ncap)) == NULL) {
			PyErr_NoMemory();
			return -1;
		}
		*acc = nacc;
		*cap = ncap;
	}
	memcpy(*acc + *len, p, n);
	*len += n;
	return 0;
}

/* One line, with its newline, of at most limit bytes (limit < 0: any). */
static PyObject *
readline(struct input *self, Py_ssize_t limit)
{
	char		*acc = NULL, *nl;
	size_t		 len = 0, cap = 0, take;
	ssize_t		 r;
	PyObject	*line;

	while (limit < 0 || len < (size_t)limit) {
		if ((r = fill(self)) == -1)
			goto fail;
		if (r == 0)
			break;
		take = self->end - self->pos;
		if (limit >= 0 && take > (size_t)limit - len)
			take = (size_t)limit - len;
		nl = memchr(self->buf + self->pos, '\n', take);
		if (nl != NULL)
			take = (size_t)(nl - (self->buf + self->pos)) + 1;
		if (len == 0 && (nl != NULL || (limit >= 0 &&
		    take == (size_t)limit))) {
			/* The whole line is in the buffer: no copy. */
			line = PyBytes_FromStringAndSize(self->buf + self->pos,
			    (Py_ssize_t)take);
			if (line != NULL)
				self->pos += take;
			return line;
		}
		if (append(&acc, &len, &cap, self->buf + self->pos, take) == -1)
			goto fail;
		self->pos += take;
		if (nl != NULL)
			break;
	}
	line = PyBytes_FromStringAndSize(acc, (Py_ssize_t)len);
	free(acc);
	return line;
fail:
	free(acc);
	return NULL;
}

/* readline(size=-1) */
static PyObject *
input_readline(PyObject *o, PyObject *const *args, Py_ssize_t nargs)
{
	struct input	*self = (struct input *)o;
	Py_ssize_t	 size;

	if (size_arg("readline", args, nargs, &size) == -1 ||
	    usable(self) == -1)
		return NULL;
	return readline(self, size);
}

/* readlines(hint=-1): lines until the end, or until hint bytes are had. */
static PyObject *
input_readlines(PyObject *o, PyObject *const *args, Py_ssize_t nargs)
{
	struct input	*self = (struct input *)o;
	PyObject	*lines, *line;
	Py_ssize_t	 hint, total = 0;

	if (size_arg("readlines", args, nargs, &hint) == -1 ||
	    usable(self) == -1)
		return NULL;
	if ((lines = PyList_New(0)) == NULL)
		return NULL;
	for (;;) {
		if ((line = readline(self, -1)) == NULL)
			goto fail;
		if (PyBytes_GET_SIZE(line) == 0) {
			Py_DECREF(line);
			break;
		}
		total += PyBytes_GET_SIZE(line);
		if (PyList_Append(lines, line) == -1) {
			Py_DECREF(line);
			goto fail;
		}
		Py_DECREF(line);
		if (hint > 0 && total >= hint)
			break;
	}
	return lines;
fail:
	Py_DECREF(lines);
	return NULL;
}

/* __next__: the next line; StopIteration at the end of the body. */
static PyObject *
input_iternext(PyObject *o)
{
	struct input	*self = (struct input *)o;
	PyObject	*line;

	if (usable(self) == -1 || (line = readline(self, -1)) == NULL)
		return NULL;
	if (PyBytes_GET_SIZE(line) == 0) {
		Py_DECREF(line);
		return NULL;
	}
	return line;
}

static void
input_dealloc(PyObject *o)
{
	PyTypeObject	*tp = Py_TYPE(o);

	free(((struct input *)o)->buf);
	tp->tp_free(o);
	Py_DECREF(tp);
}

static PyMethodDef input_methods[] = {
	{ "read", (PyCFunction)(void (*)(void))input_read, METH_FASTCALL,
	    "read(size=-1) -> bytes" },
	{ "readline", (PyCFunction)(void (*)(void))input_readline,
	    METH_FASTCALL, "readline(size=-1) -> bytes" },
	{ "readlines", (PyCFunction)(void (*)(void))input_readlines,
	    METH_FASTCALL, "readlines(hint=-1) -> list of bytes" },
	{ NULL, NULL, 0, NULL }
};

static PyType_Slot input_slots[] = {
	{ Py_tp_dealloc, (void *)input_dealloc },
	{ Py_tp_iter, (void *)PyObject_SelfIter },
	{ Py_tp_iternext, (void *)input_iternext },
	{ Py_tp_methods, input_methods },
	{ Py_tp_doc, (void *)"wsgi.input: the request body (PEP 3333)" },
	{ 0, NULL }
};

static PyType_Spec input_spec = {
	.name = "pyfpm.Input",
	.basicsize = sizeof(struct input),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = input_slots,
};

PyTypeObject *
wsgi_input_type_new(void)
{
	return (PyTypeObject *)PyType_FromSpec(&input_spec);
}

PyObject *
wsgi_input_new(struct wsgi_state *st, struct request *req)
{
	struct input	*self;

	if ((self = PyObject_New(struct input, st->input_type)) == NULL)
		return NULL;
	self->req = req;
	self->left = req->content_length > 0 ? req->content_length : 0;
	self->buf = NULL;
	self->cap = self->pos = self->end = 0;
	self->busy = false;
	return (PyObject *)self;
}

void
wsgi_input_detach(PyObject *o)
{
	struct input	*self = (struct input *)o;

	self->req = NULL;
	self->left = 0;
	free(self->buf);
	self->buf = NULL;
	self->cap = self->pos = self->end = 0;
}
