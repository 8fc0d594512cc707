#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "config.h"

/*
 * Per-interpreter state of the WSGI layer.  Each interpreter gets its own
 * heap types (PyType_FromSpec) and its own constant objects: with own_gil
 * (3.12+) no PyObject may cross interpreters, and a static PyTypeObject
 * would be one shared object.
 */

#include "server/wsgi/state.h"

#include <stdlib.h>
#include <string.h>

#include "server/wsgi/app.h"
#include "server/wsgi/environ.h"
#include "server/wsgi/errors.h"
#include "server/wsgi/filewrap.h"
#include "server/wsgi/input.h"
#include "server/wsgi/response.h"

static const char *const state_strings[WSGI_STR_N] = {
	[WSGI_STR_VERSION] = "wsgi.version",
	[WSGI_STR_URL_SCHEME] = "wsgi.url_scheme",
	[WSGI_STR_INPUT] = "wsgi.input",
	[WSGI_STR_ERRORS] = "wsgi.errors",
	[WSGI_STR_MULTITHREAD] = "wsgi.multithread",
	[WSGI_STR_MULTIPROCESS] = "wsgi.multiprocess",
	[WSGI_STR_RUN_ONCE] = "wsgi.run_once",
	[WSGI_STR_FILE_WRAPPER] = "wsgi.file_wrapper",
	[WSGI_STR_INPUT_TERMINATED] = "wsgi.input_terminated",
	[WSGI_STR_GROUP] = "pyfpm.application_group",
	[WSGI_STR_PYFPM_VERSION] = "pyfpm.version",
	[WSGI_STR_SCRIPT_NAME] = "SCRIPT_NAME",
	[WSGI_STR_PATH_INFO] = "PATH_INFO",
	[WSGI_STR_REQUEST_METHOD] = "REQUEST_METHOD",
	[WSGI_STR_QUERY_STRING] = "QUERY_STRING",
	[WSGI_STR_HTTP] = "http",
	[WSGI_STR_HTTPS] = "https",
	[WSGI_STR_EMPTY] = "",
	[WSGI_STR_CLOSE] = "close",
	[WSGI_STR_READ] = "read",
	[WSGI_STR_FILENO] = "fileno",
	[WSGI_STR_TELL] = "tell",
};

/* Frees st and drops its references (GIL held); the interpreter's free_fn. */
static void
state_free(void *p)
{
	struct wsgi_state	*st = p;
	int			 i;

	if (st == NULL)
		return;
	wsgi_app_clear(st);
	wsgi_environ_cache_free(st->environ_cache);
	Py_XDECREF(st->input_type);
	Py_XDECREF(st->errors_type);
	Py_XDECREF(st->response_type);
	Py_XDECREF(st->filewrap_type);
	Py_XDECREF(st->list_iter_type);
	Py_XDECREF(st->tuple_iter_type);
	for (i = 0; i < WSGI_STR_N; i++)
		Py_XDECREF(st->str[i]);
	Py_XDECREF(st->version);
	Py_XDECREF(st->pyfpm_version);
	Py_XDECREF(st->group);
	Py_XDECREF(st->group_str);
	Py_XDECREF(st->demo);
	pthread_mutex_destroy(&st->load_lock);
	free(st);
}

/* Returns a new reference to type(iter(empty)), empty a new reference. */
static PyTypeObject *
iter_type(PyObject *empty)
{
	PyObject	*it;
	PyTypeObject	*tp;

	if (empty == NULL)
		return NULL;
	it = PyObject_GetIter(empty);
	Py_DECREF(empty);
	if (it == NULL)
		return NULL;
	tp = Py_TYPE(it);
	Py_INCREF(tp);
	Py_DECREF(it);
	return tp;
}

/* Makes the interpreter's sys.stdout and sys.stderr a log stream tagged
 * with its group (see errors.c); -1 with an exception set. */
static int
redirect_stdio(struct wsgi_state *st)
{
	PyObject	*stream;
	int		 rc;

	if ((stream = wsgi_errors_new(st)) == NULL)
		return -1;
	rc = PySys_SetObject("stdout", stream) == 0 &&
	    PySys_SetObject("stderr", stream) == 0 ? 0 : -1;
	Py_DECREF(stream);
	return rc;
}

/* Fills st's objects; -1 with an exception set. */
static int
state_fill(struct wsgi_state *st)
{
	const char	*name = interp_name(st->in);
	int		 i;

	for (i = 0; i < WSGI_STR_N; i++)
		if ((st->str[i] = PyUnicode_InternFromString(
		    state_strings[i])) == NULL)
			return -1;
	if ((st->input_type = wsgi_input_type_new()) == NULL ||
	    (st->errors_type = wsgi_errors_type_new()) == NULL ||
	    (st->response_type = wsgi_response_type_new()) == NULL ||
	    (st->filewrap_type = wsgi_filewrap_type_new()) == NULL)
		return -1;
	if ((st->list_iter_type = iter_type(PyList_New(0))) == NULL ||
	    (st->tuple_iter_type = iter_type(PyTuple_New(0))) == NULL)
		return -1;
	if ((st->version = Py_BuildValue("(ii)", 1, 0)) == NULL ||
	    (st->pyfpm_version = PyUnicode_FromString(PACKAGE_VERSION)) ==
	    NULL)
		return -1;
	if ((st->group = PyBytes_FromString(name)) == NULL ||
	    (st->group_str = PyUnicode_DecodeLatin1(name,
	    (Py_ssize_t)strlen(name), NULL)) == NULL)
		return -1;
	return redirect_stdio(st);
}

struct wsgi_state *
wsgi_state_get(struct interp *in)
{
	struct wsgi_state	*st, *other;

	if ((st = interp_data(in)) != NULL)
		return st;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		PyErr_NoMemory();
		return NULL;
	}
	st->in = in;
	if (pthread_mutex_init(&st->load_lock, NULL) != 0) {
		free(st);
		PyErr_NoMemory();
		return NULL;
	}
	if (state_fill(st) == -1) {
		state_free(st);
		return NULL;
	}
	/*
	 * An allocation above may have run a finalizer, and so let another
	 * thread of this interpreter in: keep whichever state came first.
	 */
	if ((other = interp_data(in)) != NULL) {
		state_free(st);
		return other;
	}
	interp_set_data(in, st, state_free);
	return st;
}
