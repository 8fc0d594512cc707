/* The built-in demo app, served when a route has no script: it shows the
 * request's group, interpreter, pid and environ as text/plain. */
#ifndef PYFPM_SERVER_WSGI_DEMO_H
#define PYFPM_SERVER_WSGI_DEMO_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include "server/wsgi/state.h"

/* Returns the demo app of st's interpreter, compiled there on first use
 * (GIL held).  New reference, or NULL with an exception set. */
PyObject	*wsgi_demo_get(struct wsgi_state *st);

#endif
