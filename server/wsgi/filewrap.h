/* wsgi.file_wrapper: iterates a file-like object in blocks; the response
 * sends a real file's blocks straight from its descriptor. */
#ifndef PYFPM_SERVER_WSGI_FILEWRAP_H
#define PYFPM_SERVER_WSGI_FILEWRAP_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include <sys/types.h>

/* Makes the wsgi.file_wrapper type for the current interpreter (GIL held).
 * New reference, or NULL with an exception set. */
PyTypeObject	*wsgi_filewrap_type_new(void);

/*
 * When wrapper fw holds a binary file open on a regular file, gives its
 * descriptor (borrowed from the file object) and current offset, and
 * returns 0.  Otherwise -1, with no exception set: iterate it instead.
 * GIL held.
 */
int	wsgi_filewrap_fd(PyObject *fw, int *fd, off_t *offset);

#endif
