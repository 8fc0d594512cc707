/* wsgi.input: the request body as a file-like object that never reads
 * past CONTENT_LENGTH and drops the GIL while it waits for the client. */
#ifndef PYFPM_SERVER_WSGI_INPUT_H
#define PYFPM_SERVER_WSGI_INPUT_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include "server/request.h"
#include "server/wsgi/state.h"

/* Makes the wsgi.input type for the current interpreter (GIL held).  New
 * reference, or NULL with an exception set. */
PyTypeObject	*wsgi_input_type_new(void);

/* Makes the wsgi.input of req (GIL held).  New reference, or NULL with an
 * exception set.  req is borrowed until wsgi_input_detach(). */
PyObject	*wsgi_input_new(struct wsgi_state *st, struct request *req);

/* Forgets the request as it ends (GIL held): later reads raise, and the
 * buffer is freed.  The object itself may live on in the app's hands. */
void		 wsgi_input_detach(PyObject *input);

#endif
