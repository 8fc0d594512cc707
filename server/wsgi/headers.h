/* start_response()'s status and headers, checked per PEP 3333 and turned
 * into the CGI header block the protocol layer forwards. */
#ifndef PYFPM_SERVER_WSGI_HEADERS_H
#define PYFPM_SERVER_WSGI_HEADERS_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include <stddef.h>

/* A formatted header block: "Status: 200 OK\r\nName: value\r\n...\r\n". */
struct wsgi_headers {
	char		*buf;		/* malloc'd; len bytes used of cap */
	size_t		 len;
	size_t		 cap;
	int		 status;	/* 200 */
	long long	 content_length;	/* -1 when absent */
};

/*
 * Checks status (a native str "NNN Reason") and headers (a list of (str,
 * str) tuples: token names, no control characters, latin-1 only, no
 * hop-by-hop or Status header, a decimal Content-Length) and formats them
 * into h, replacing what it held.  GIL held.  0, or -1 with a TypeError or
 * ValueError set and h unchanged.
 */
int	wsgi_headers_set(struct wsgi_headers *h, PyObject *status,
	    PyObject *headers);

/* Frees h's buffer and zeroes it; h itself is the caller's. */
void	wsgi_headers_clear(struct wsgi_headers *h);

#endif
