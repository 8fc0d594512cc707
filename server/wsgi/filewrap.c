#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * wsgi.file_wrapper (PEP 3333 "Optional Platform-Specific File Handling"):
 * file_wrapper(filelike, block_size=8192) is an iterable of
 * filelike.read(block_size) blocks whose close() closes filelike.  The
 * response layer may bypass the iteration for a real file (see
 * wsgi_filewrap_fd()), as the PEP allows.
 */

#include "server/wsgi/filewrap.h"

#include <limits.h>
#include <sys/stat.h>

struct filewrap {
	PyObject_HEAD
	PyObject	*filelike;
	Py_ssize_t	 blksize;
};

/* file_wrapper(filelike, block_size=8192) */
static PyObject *
filewrap_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	static char	*kwlist[] = { "filelike", "block_size", NULL };
	struct filewrap	*self;
	PyObject	*filelike;
	Py_ssize_t	 blksize = 8192;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|n:file_wrapper",
	    kwlist, &filelike, &blksize))
		return NULL;
	if (blksize <= 0) {
		PyErr_SetString(PyExc_ValueError,
		    "file_wrapper block_size must be positive");
		return NULL;
	}
	if ((self = (struct filewrap *)tp->tp_alloc(tp, 0)) == NULL)
		return NULL;
	Py_INCREF(filelike);
	self->filelike = filelike;
	self->blksize = blksize;
	return (PyObject *)self;
}

/* __next__: the next block; StopIteration at an empty read. */
static PyObject *
filewrap_iternext(PyObject *o)
{
	struct filewrap	*self = (struct filewrap *)o;
	PyObject	*block;

	if (self->filelike == NULL)
		return NULL;
	block = PyObject_CallMethod(self->filelike, "read", "n",
	    self->blksize);
	if (block == NULL)
		return NULL;
	if (PyObject_Length(block) == 0) {
		Py_DECREF(block);
		return NULL;
	}
	if (PyErr_Occurred()) {
		/* no len(): leave it to the response to refuse it */
		PyErr_Clear();
	}
	return block;
}

/* close(): closes filelike if it has a close(). */
static PyObject *
filewrap_close(PyObject *o, PyObject *unused)
{
	struct filewrap	*self = (struct filewrap *)o;
	PyObject	*close, *r;

	(void)unused;
	if (self->filelike == NULL)
		Py_RETURN_NONE;
	if ((close = PyObject_GetAttrString(self->filelike, "close")) == NULL) {
		if (!PyErr_ExceptionMatches(PyExc_AttributeError))
			return NULL;
		PyErr_Clear();
		Py_RETURN_NONE;
	}
	r = PyObject_CallObject(close, NULL);
	Py_DECREF(close);
	return r;
}

static void
filewrap_dealloc(PyObject *o)
{
	PyTypeObject	*tp = Py_TYPE(o);

	Py_XDECREF(((struct filewrap *)o)->filelike);
	tp->tp_free(o);
	Py_DECREF(tp);
}

static PyMethodDef filewrap_methods[] = {
	{ "close", filewrap_close, METH_NOARGS, "close(): close the file" },
	{ NULL, NULL, 0, NULL }
};

static PyType_Slot filewrap_slots[] = {
	{ Py_tp_new, (void *)filewrap_new },
	{ Py_tp_dealloc, (void *)filewrap_dealloc },
	{ Py_tp_iter, (void *)PyObject_SelfIter },
	{ Py_tp_iternext, (void *)filewrap_iternext },
	{ Py_tp_methods, filewrap_methods },
	{ Py_tp_doc, (void *)"file_wrapper(filelike, block_size=8192)" },
	{ 0, NULL }
};

static PyType_Spec filewrap_spec = {
	.name = "pyfpm.FileWrapper",
	.basicsize = sizeof(struct filewrap),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = filewrap_slots,
};

PyTypeObject *
wsgi_filewrap_type_new(void)
{
	return (PyTypeObject *)PyType_FromSpec(&filewrap_spec);
}

/* Calls filelike.name() and returns the int result; -1 on any failure. */
static long long
call_int(PyObject *filelike, const char *name)
{
	PyObject	*r;
	long long	 v;

	if ((r = PyObject_CallMethod(filelike, name, NULL)) == NULL)
		return -1;
	v = PyLong_Check(r) ? PyLong_AsLongLong(r) : -1;
	Py_DECREF(r);
	return v;
}

int
wsgi_filewrap_fd(PyObject *o, int *fd, off_t *offset)
{
	struct filewrap	*self = (struct filewrap *)o;
	struct stat	 sb;
	long long	 f, pos;

	/* A text file's read() gives str, which the app must hear about. */
	if (self->filelike == NULL ||
	    PyObject_HasAttrString(self->filelike, "encoding"))
		return -1;
	f = call_int(self->filelike, "fileno");
	pos = f >= 0 && f <= INT_MAX ? call_int(self->filelike, "tell") : -1;
	if (PyErr_Occurred())
		PyErr_Clear();
	if (f < 0 || f > INT_MAX || pos < 0)
		return -1;
	if (fstat((int)f, &sb) == -1 || !S_ISREG(sb.st_mode))
		return -1;
	*fd = (int)f;
	*offset = (off_t)pos;
	return 0;
}
