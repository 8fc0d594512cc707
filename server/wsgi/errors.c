#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * wsgi.errors (PEP 3333): write(str), writelines(seq), flush().  Text is
 * encoded as UTF-8 (backslashreplace, so nothing is lost) and logged one
 * line at a time as `[group "NAME"] text`; a partial line waits for its
 * newline, flush() or the end of the request.  Lines longer than
 * ERRORS_LINE_MAX are split, to stay under the log's line limit.  The same
 * type, one stream per interpreter, is that interpreter's sys.stdout and
 * sys.stderr (as mod_wsgi does): print() from an app reaches the log, also
 * when pyfpm runs detached and its fds 1 and 2 are /dev/null.
 */

#include "server/wsgi/errors.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define ERRORS_LINE_MAX	4000

struct errors {
	PyObject_HEAD
	PyObject	*group;		/* bytes: the group name */
	char		*line;		/* the partial line, ERRORS_LINE_MAX */
	size_t		 len;
};

/* Logs n bytes at p as lines of at most ERRORS_LINE_MAX bytes. */
static void
emit(struct errors *self, const char *p, size_t n)
{
	size_t	take;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	do {
		take = n < ERRORS_LINE_MAX ? n : ERRORS_LINE_MAX;
		log_error("[group \"%s\"] %.*s", self->group != NULL ?
		    PyBytes_AS_STRING(self->group) : "?", (int)take, p);
		p += take;
		n -= take;
	} while (n > 0);
}

/* Logs the partial line, if any. */
static void
flush_line(struct errors *self)
{
	if (self->len > 0)
		emit(self, self->line, self->len);
	self->len = 0;
}

/* Adds n bytes without a newline to the partial line; -1 on no memory. */
static int
add(struct errors *self, const char *p, size_t n)
{
	size_t	take;

	if (self->line == NULL &&
	    (self->line = malloc(ERRORS_LINE_MAX)) == NULL) {
		PyErr_NoMemory();
		return -1;
	}
	while (n > 0) {
		take = ERRORS_LINE_MAX - self->len;
		if (take > n)
			take = n;
		memcpy(self->line + self->len, p, take);
		self->len += take;
		p += take;
		n -= take;
		if (self->len == ERRORS_LINE_MAX)
			flush_line(self);
	}
	return 0;
}

/* Writes text; 0, or -1 with an exception set. */
static int
put(struct errors *self, PyObject *text)
{
	PyObject	*bytes;
	const char	*p, *nl;
	size_t		 n, piece;

	if (!PyUnicode_Check(text)) {
		PyErr_Format(PyExc_TypeError,
		    "write() argument must be str, not %.200s",
		    Py_TYPE(text)->tp_name);
		return -1;
	}
	bytes = PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace");
	if (bytes == NULL)
		return -1;
	p = PyBytes_AS_STRING(bytes);
	n = (size_t)PyBytes_GET_SIZE(bytes);
	while ((nl = memchr(p, '\n', n)) != NULL) {
		piece = (size_t)(nl - p);
		if (self->len == 0)
			emit(self, p, piece);
		else if (add(self, p, piece) == 0)
			flush_line(self);
		else
			goto fail;
		p += piece + 1;
		n -= piece + 1;
	}
	if (n > 0 && add(self, p, n) == -1)
		goto fail;
	Py_DECREF(bytes);
	return 0;
fail:
	Py_DECREF(bytes);
	return -1;
}

/* write(str) -> number of characters written */
static PyObject *
errors_write(PyObject *o, PyObject *text)
{
	if (put((struct errors *)o, text) == -1)
		return NULL;
	return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(text));
}

/* writelines(iterable of str) */
static PyObject *
errors_writelines(PyObject *o, PyObject *seq)
{
	PyObject	*it, *item;

	if ((it = PyObject_GetIter(seq)) == NULL)
		return NULL;
	while ((item = PyIter_Next(it)) != NULL) {
		if (put((struct errors *)o, item) == -1) {
			Py_DECREF(item);
			Py_DECREF(it);
			return NULL;
		}
		Py_DECREF(item);
	}
	Py_DECREF(it);
	if (PyErr_Occurred())
		return NULL;
	Py_RETURN_NONE;
}

/* flush(): logs the partial line now. */
static PyObject *
errors_flush(PyObject *o, PyObject *unused)
{
	(void)unused;
	flush_line((struct errors *)o);
	Py_RETURN_NONE;
}

/* The io.TextIOBase answers code expects of sys.stdout and sys.stderr. */
static PyObject *
errors_false(PyObject *o, PyObject *unused)
{
	(void)o;
	(void)unused;
	Py_RETURN_FALSE;
}

static PyObject *
errors_true(PyObject *o, PyObject *unused)
{
	(void)o;
	(void)unused;
	Py_RETURN_TRUE;
}

static PyObject *
errors_get_encoding(PyObject *o, void *closure)
{
	(void)o;
	(void)closure;
	return PyUnicode_FromString("utf-8");
}

static PyObject *
errors_get_closed(PyObject *o, void *closure)
{
	(void)o;
	(void)closure;
	Py_RETURN_FALSE;
}

static void
errors_dealloc(PyObject *o)
{
	struct errors	*self = (struct errors *)o;
	PyTypeObject	*tp = Py_TYPE(o);

	flush_line(self);
	free(self->line);
	Py_XDECREF(self->group);
	tp->tp_free(o);
	Py_DECREF(tp);
}

static PyMethodDef errors_methods[] = {
	{ "write", errors_write, METH_O, "write(str): log the text" },
	{ "writelines", errors_writelines, METH_O,
	    "writelines(lines): write each string" },
	{ "flush", errors_flush, METH_NOARGS, "flush(): log a partial line" },
	{ "close", errors_flush, METH_NOARGS, "close(): as flush(); stays open" },
	{ "isatty", errors_false, METH_NOARGS, "False: a log, not a terminal" },
	{ "readable", errors_false, METH_NOARGS, "False" },
	{ "seekable", errors_false, METH_NOARGS, "False" },
	{ "writable", errors_true, METH_NOARGS, "True" },
	{ NULL, NULL, 0, NULL }
};

static PyGetSetDef errors_getset[] = {
	{ "encoding", errors_get_encoding, NULL, "always utf-8", NULL },
	{ "closed", errors_get_closed, NULL, "always False", NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static PyType_Slot errors_slots[] = {
	{ Py_tp_dealloc, (void *)errors_dealloc },
	{ Py_tp_methods, errors_methods },
	{ Py_tp_getset, errors_getset },
	{ Py_tp_doc, (void *)"wsgi.errors: lines go to the error log" },
	{ 0, NULL }
};

static PyType_Spec errors_spec = {
	.name = "pyfpm.Errors",
	.basicsize = sizeof(struct errors),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = errors_slots,
};

PyTypeObject *
wsgi_errors_type_new(void)
{
	return (PyTypeObject *)PyType_FromSpec(&errors_spec);
}

PyObject *
wsgi_errors_new(struct wsgi_state *st)
{
	struct errors	*self;

	if ((self = PyObject_New(struct errors, st->errors_type)) == NULL)
		return NULL;
	Py_INCREF(st->group);
	self->group = st->group;
	self->line = NULL;
	self->len = 0;
	return (PyObject *)self;
}

void
wsgi_errors_detach(PyObject *o)
{
	flush_line((struct errors *)o);
}
