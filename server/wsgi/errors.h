/* wsgi.errors: a text stream whose lines go to the error log, tagged with
 * the application group. */
#ifndef PYFPM_SERVER_WSGI_ERRORS_H
#define PYFPM_SERVER_WSGI_ERRORS_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include "server/wsgi/state.h"

/* Makes the wsgi.errors type for the current interpreter (GIL held).  New
 * reference, or NULL with an exception set. */
PyTypeObject	*wsgi_errors_type_new(void);

/* Makes a wsgi.errors stream for st's group (GIL held).  New reference, or
 * NULL with an exception set.  It stays usable after the request. */
PyObject	*wsgi_errors_new(struct wsgi_state *st);

/* Logs a partial last line as the request ends (GIL held). */
void		 wsgi_errors_detach(PyObject *errors);

#endif
