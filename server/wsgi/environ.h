/* The WSGI environ of one request (PEP 3333 "environ Variables"). */
#ifndef PYFPM_SERVER_WSGI_ENVIRON_H
#define PYFPM_SERVER_WSGI_ENVIRON_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include "server/request.h"
#include "server/wsgi/state.h"

/*
 * Builds the environ dict of req (GIL held): its params as native strings
 * (latin-1), SCRIPT_NAME and PATH_INFO from the route match, the wsgi.*
 * and pyfpm.* keys, input and errors as wsgi.input and wsgi.errors.  New
 * reference, or NULL with an exception set.
 */
PyObject	*wsgi_environ_new(struct wsgi_state *st,
		    const struct request *req, PyObject *input,
		    PyObject *errors);

/* Frees what wsgi_environ_new() keeps in st between requests (GIL held);
 * NULL does nothing. */
void		 wsgi_environ_cache_free(struct wsgi_environ_cache *cache);

#endif
