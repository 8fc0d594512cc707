/* WSGI (PEP 3333): loads apps and runs one request through one.  Python
 * stays inside; the worker sees only this opaque API. */
#ifndef PYFPM_SERVER_WSGI_WSGI_H
#define PYFPM_SERVER_WSGI_WSGI_H

#include "common/route.h"
#include "server/python/interp.h"
#include "server/request.h"

/*
 * Runs req through its route's app in interpreter in (GIL held, as
 * interp_acquire() left it): builds environ, calls the callable, sends the
 * status, headers and body through req->write, and always closes the
 * iterable.  A route without script or scripts_dir runs the built-in demo
 * app.  Errors before the first body byte give a 500 (no traceback to the
 * client; the traceback is logged with group and URI); later ones set
 * req->aborted.  Returns 0, or -1 when the response was aborted.
 */
int	wsgi_call(struct request *req, struct interp *in);

/* Loads the route's script into in (GIL held), for `preload`.  0, or -1
 * with the error logged. */
int	wsgi_preload(struct interp *in, const struct route *route);

#endif
