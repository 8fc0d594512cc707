/* The WSGI layer's per-interpreter state: its heap types, constant objects
 * and loaded scripts.  Nothing Python is shared between interpreters, so
 * sub-interpreters with their own GIL (3.12+) stay isolated. */
#ifndef PYFPM_SERVER_WSGI_STATE_H
#define PYFPM_SERVER_WSGI_STATE_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include <pthread.h>
#include <stddef.h>

#include "server/python/interp.h"

/* Interned strings kept per interpreter: st->str[WSGI_STR_...]. */
enum wsgi_str {
	WSGI_STR_VERSION,		/* "wsgi.version" */
	WSGI_STR_URL_SCHEME,
	WSGI_STR_INPUT,
	WSGI_STR_ERRORS,
	WSGI_STR_MULTITHREAD,
	WSGI_STR_MULTIPROCESS,
	WSGI_STR_RUN_ONCE,
	WSGI_STR_FILE_WRAPPER,
	WSGI_STR_INPUT_TERMINATED,
	WSGI_STR_GROUP,			/* "pyfpm.application_group" */
	WSGI_STR_PYFPM_VERSION,		/* "pyfpm.version" */
	WSGI_STR_SCRIPT_NAME,
	WSGI_STR_PATH_INFO,
	WSGI_STR_REQUEST_METHOD,
	WSGI_STR_QUERY_STRING,
	WSGI_STR_HTTP,			/* "http" */
	WSGI_STR_HTTPS,			/* "https" */
	WSGI_STR_EMPTY,			/* "" */
	WSGI_STR_CLOSE,			/* "close" */
	WSGI_STR_READ,
	WSGI_STR_FILENO,
	WSGI_STR_TELL,
	WSGI_STR_N
};

struct wsgi_app;
struct wsgi_environ_cache;

struct wsgi_state {
	struct interp	*in;
	PyTypeObject	*input_type;
	PyTypeObject	*errors_type;
	PyTypeObject	*response_type;
	PyTypeObject	*filewrap_type;
	PyTypeObject	*list_iter_type;	/* type(iter([])) */
	PyTypeObject	*tuple_iter_type;	/* type(iter(())) */
	PyObject	*str[WSGI_STR_N];
	PyObject	*version;		/* (1, 0) */
	PyObject	*pyfpm_version;		/* PACKAGE_VERSION */
	PyObject	*group;			/* the group name, bytes */
	PyObject	*group_str;		/* the same, native str */
	PyObject	*demo;			/* the demo app, once built */
	struct wsgi_environ_cache *environ_cache;	/* environ.c's */

	/* Scripts loaded in this interpreter (app.c), keyed by path. */
	struct wsgi_app	*apps;
	size_t		 napps;
	size_t		 capapps;
	/* Serialises loading: another thread may run Python meanwhile. */
	pthread_mutex_t	 load_lock;
};

/*
 * Returns the state of interpreter in, made on first use (GIL of in held).
 * Borrowed until the interpreter ends.  NULL with a Python exception set.
 */
struct wsgi_state	*wsgi_state_get(struct interp *in);

#endif
