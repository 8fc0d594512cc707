#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * PEP 3333 environ: every FastCGI param as a native string decoded as
 * latin-1 (bytes in, the same code points out), minus HTTP_CONTENT_TYPE
 * and HTTP_CONTENT_LENGTH, which nginx forwards but CGI and
 * wsgiref.validate want only as CONTENT_TYPE/CONTENT_LENGTH.  SCRIPT_NAME
 * and PATH_INFO come from the route (SPEC "A request's way through", 3),
 * whatever the front-end sent.
 */

#include "server/wsgi/environ.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* What the params told us along the way. */
struct seen {
	bool	https;
	bool	method;
	bool	query;
};

/* Stores value (a new reference, or NULL after a failure) under key. */
static int
set(PyObject *env, PyObject *key, PyObject *value)
{
	int	r;

	if (value == NULL)
		return -1;
	r = PyDict_SetItem(env, key, value);
	Py_DECREF(value);
	return r;
}

static PyObject *
native(const char *s, size_t n)
{
	return PyUnicode_DecodeLatin1(s, (Py_ssize_t)n, NULL);
}

static bool
name_is(const struct request_param *p, const char *name, size_t n)
{
	return p->name_len == n && memcmp(p->name, name, n) == 0;
}

/* True for params the app does not get as sent; notes those we look at. */
static bool
skip(const struct request *req, const struct request_param *p,
    struct seen *seen)
{
	const char	*v = p->value;

	switch (p->name_len) {
	case 5:
		if (name_is(p, "HTTPS", 5) && (strcasecmp(v, "on") == 0 ||
		    strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0))
			seen->https = true;
		return false;
	case 9:
		return req->match.path_info != NULL &&
		    name_is(p, "PATH_INFO", 9);
	case 11:
		return req->match.script_name != NULL &&
		    name_is(p, "SCRIPT_NAME", 11);
	case 12:
		if (name_is(p, "QUERY_STRING", 12))
			seen->query = true;
		return false;
	case 14:
		if (name_is(p, "REQUEST_METHOD", 14))
			seen->method = true;
		else if (name_is(p, "REQUEST_SCHEME", 14) &&
		    strcasecmp(v, "https") == 0)
			seen->https = true;
		return false;
	case 17:
		return name_is(p, "HTTP_CONTENT_TYPE", 17);
	case 19:
		return name_is(p, "HTTP_CONTENT_LENGTH", 19);
	}
	return false;
}

/* Copies the params into env. */
static int
add_params(PyObject *env, const struct request *req, struct seen *seen)
{
	const struct request_param	*p;
	PyObject			*key;
	size_t				 i;
	int				 r;

	for (i = 0; i < req->nparams; i++) {
		p = &req->params[i];
		if (skip(req, p, seen))
			continue;
		if ((key = native(p->name, p->name_len)) == NULL)
			return -1;
		r = set(env, key, native(p->value, p->value_len));
		Py_DECREF(key);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* Adds what the route decides and what CGI requires but may be absent. */
static int
add_cgi(PyObject *env, struct wsgi_state *st, const struct request *req,
    const struct seen *seen)
{
	const struct route_match	*m = &req->match;

	if (m->script_name != NULL && set(env, st->str[WSGI_STR_SCRIPT_NAME],
	    native(m->script_name, strlen(m->script_name))) == -1)
		return -1;
	if (m->path_info != NULL && set(env, st->str[WSGI_STR_PATH_INFO],
	    native(m->path_info, strlen(m->path_info))) == -1)
		return -1;
	if (!seen->method && set(env, st->str[WSGI_STR_REQUEST_METHOD],
	    native(req->method, strlen(req->method))) == -1)
		return -1;
	if (!seen->query && PyDict_SetItem(env, st->str[WSGI_STR_QUERY_STRING],
	    st->str[WSGI_STR_EMPTY]) == -1)
		return -1;
	return 0;
}

/* The group's name as a native str.  New reference. */
static PyObject *
group_name(struct wsgi_state *st, const char *group)
{
	if (strcmp(PyBytes_AS_STRING(st->group), group) == 0) {
		Py_INCREF(st->group_str);
		return st->group_str;
	}
	return native(group, strlen(group));
}

/* Adds the wsgi.* and pyfpm.* keys. */
static int
add_wsgi(PyObject *env, struct wsgi_state *st, const struct request *req,
    const struct seen *seen, PyObject *input, PyObject *errors)
{
	PyObject	**s = st->str;

	if (PyDict_SetItem(env, s[WSGI_STR_VERSION], st->version) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_URL_SCHEME],
	    s[seen->https ? WSGI_STR_HTTPS : WSGI_STR_HTTP]) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_INPUT], input) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_ERRORS], errors) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_MULTITHREAD], Py_False) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_MULTIPROCESS], Py_False) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_RUN_ONCE], Py_False) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_FILE_WRAPPER],
	    (PyObject *)st->filewrap_type) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_INPUT_TERMINATED], Py_True) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_PYFPM_VERSION],
	    st->pyfpm_version) == -1)
		return -1;
	return set(env, s[WSGI_STR_GROUP], group_name(st, req->group));
}

PyObject *
wsgi_environ_new(struct wsgi_state *st, const struct request *req,
    PyObject *input, PyObject *errors)
{
	PyObject	*env;
	struct seen	 seen = { false, false, false };

	if ((env = PyDict_New()) == NULL)
		return NULL;
	if (add_params(env, req, &seen) == -1 ||
	    add_cgi(env, st, req, &seen) == -1 ||
	    add_wsgi(env, st, req, &seen, input, errors) == -1) {
		Py_DECREF(env);
		return NULL;
	}
	return env;
}
