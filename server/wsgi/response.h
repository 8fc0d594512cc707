/* The response side of one WSGI call: start_response and its write
 * callable, and the sending of the app's iterable through req->write. */
#ifndef PYFPM_SERVER_WSGI_RESPONSE_H
#define PYFPM_SERVER_WSGI_RESPONSE_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include <stdbool.h>

#include "server/request.h"
#include "server/wsgi/state.h"

/* Makes the start_response type for the current interpreter (GIL held).
 * New reference, or NULL with an exception set. */
PyTypeObject	*wsgi_response_type_new(void);

/* Makes the start_response callable of req (GIL held).  New reference, or
 * NULL with an exception set.  req and st are borrowed until
 * wsgi_response_detach(). */
PyObject	*wsgi_response_new(struct wsgi_state *st, struct request *req);

/*
 * Sends every chunk of the app's result (GIL held; dropped around writes
 * that may block), the headers before the first non-empty one.  Stops early
 * once Content-Length bytes went out.  0, or -1 with an exception set or
 * with the client gone (wsgi_response_gone()).
 */
int	wsgi_response_run(PyObject *resp, PyObject *result);

/* At the end of the iterable: sends the headers if still unsent, and
 * checks that Content-Length was met.  0, or -1 as above. */
int	wsgi_response_finish(PyObject *resp);

/* After a failure (exception already logged and cleared): sends a plain 500
 * if no header went out yet and returns 0; else marks req->aborted and
 * returns -1. */
int	wsgi_response_fail(PyObject *resp);

/* True once req->write failed: the client went away. */
bool	wsgi_response_gone(PyObject *resp);

/* Forgets the request as it ends (GIL held): start_response and write then
 * raise. */
void	wsgi_response_detach(PyObject *resp);

/* Sends a plain 500 on req, for failures before a response object exists.
 * No Python involved.  0, or -1 when the client is gone. */
int	wsgi_response_500(struct request *req);

#endif
