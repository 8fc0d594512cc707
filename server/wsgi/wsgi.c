#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * One request through one WSGI app (PEP 3333 "Specification Details"):
 * build environ and start_response, call the app, send its iterable, and
 * close the iterable whatever happened.  The pieces live beside this file:
 * state (per interpreter), app (loading), environ, input, errors,
 * response (start_response, write, sending), headers, filewrap, demo and
 * traceback (the one place exceptions are logged).
 */

#include "server/wsgi/wsgi.h"

#include "common/log.h"
#include "server/wsgi/app.h"
#include "server/wsgi/environ.h"
#include "server/wsgi/errors.h"
#include "server/wsgi/input.h"
#include "server/wsgi/response.h"
#include "server/wsgi/state.h"
#include "server/wsgi/traceback.h"

/* Logs the failure at hand and clears it: its traceback, or one line
 * when the client went away (our own OSError, most likely). */
static void
report(const struct request *req, PyObject *resp)
{
	if (wsgi_response_gone(resp)) {
		PyErr_Clear();
		log_debug("group \"%s\" uri %s: client went away",
		    req->group, req->uri);
	} else if (PyErr_Occurred())
		wsgi_traceback_log(req->group, req->uri);
	else
		log_error("group \"%s\" uri %s: response failed", req->group,
		    req->uri);
}

/* Calls result.close() if it has one.  0, or -1 with an exception set. */
static int
close_result(struct wsgi_state *st, PyObject *result)
{
	PyObject	*close, *r;

	if (PyList_CheckExact(result) || PyTuple_CheckExact(result))
		return 0;
	if ((close = PyObject_GetAttr(result, st->str[WSGI_STR_CLOSE])) ==
	    NULL) {
		if (!PyErr_ExceptionMatches(PyExc_AttributeError))
			return -1;
		PyErr_Clear();
		return 0;
	}
	r = PyObject_CallObject(close, NULL);
	Py_DECREF(close);
	if (r == NULL)
		return -1;
	Py_DECREF(r);
	return 0;
}

/* Calls the app and sends its response; 0, or -1 when aborted. */
static int
run(struct wsgi_state *st, struct request *req, PyObject *app,
    PyObject *environ, PyObject *resp)
{
	PyObject	*result;
	bool		 ok;

	result = PyObject_CallFunctionObjArgs(app, environ, resp, NULL);
	if (result == NULL) {
		report(req, resp);
		return wsgi_response_fail(resp);
	}
	ok = wsgi_response_run(resp, result) == 0 &&
	    wsgi_response_finish(resp) == 0;
	if (!ok)
		report(req, resp);
	/* PEP 3333: close() is called however the iteration ended. */
	if (close_result(st, result) == -1) {
		report(req, resp);
		ok = false;
	}
	Py_DECREF(result);
	return ok ? 0 : wsgi_response_fail(resp);
}

int
wsgi_call(struct request *req, struct interp *in)
{
	struct wsgi_state	*st;
	PyObject		*app, *input = NULL, *errors = NULL;
	PyObject		*resp = NULL, *environ = NULL;
	int			 rc;

	if ((st = wsgi_state_get(in)) == NULL) {
		wsgi_traceback_log(req->group, req->uri);
		return wsgi_response_500(req);
	}
	if ((app = wsgi_app_get(st, req)) == NULL)
		return wsgi_response_500(req);
	if ((input = wsgi_input_new(st, req)) == NULL ||
	    (errors = wsgi_errors_new(st)) == NULL ||
	    (resp = wsgi_response_new(st, req)) == NULL ||
	    (environ = wsgi_environ_new(st, req, input, errors)) == NULL) {
		wsgi_traceback_log(req->group, req->uri);
		rc = wsgi_response_500(req);
	} else
		rc = run(st, req, app, environ, resp);
	/* The app may keep any of these: they must not reach req later. */
	Py_XDECREF(environ);
	if (input != NULL)
		wsgi_input_detach(input);
	if (errors != NULL)
		wsgi_errors_detach(errors);
	if (resp != NULL)
		wsgi_response_detach(resp);
	Py_XDECREF(input);
	Py_XDECREF(errors);
	Py_XDECREF(resp);
	Py_DECREF(app);
	return rc;
}

int
wsgi_preload(struct interp *in, const struct route *route)
{
	struct wsgi_state	*st;

	if ((st = wsgi_state_get(in)) == NULL) {
		wsgi_traceback_log(interp_name(in), "(preload)");
		return -1;
	}
	return wsgi_app_preload(st, route);
}
