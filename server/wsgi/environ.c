#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * PEP 3333 environ: every FastCGI param as a native string decoded as
 * latin-1 (bytes in, the same code points out), minus HTTP_CONTENT_TYPE
 * and HTTP_CONTENT_LENGTH, which nginx forwards but CGI and
 * wsgiref.validate want only as CONTENT_TYPE/CONTENT_LENGTH.  SCRIPT_NAME
 * and PATH_INFO come from the route (SPEC "A request's way through", 3),
 * whatever the front-end sent.
 *
 * Speed: this is most of the layer's cost per request.  The constant keys
 * come from copying a template dict, and each interpreter remembers, per
 * param name, the name's str and the last value's str: the same names come
 * with every request, and most values (SERVER_NAME, HTTP_ACCEPT...) too.
 * Strings are immutable, so sharing them between requests is safe.  The
 * table is bounded (ENVIRON_CACHE_MAX names): clients choose header names.
 */

#include "server/wsgi/environ.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENVIRON_CACHE_SLOTS	256	/* a power of two */
#define ENVIRON_CACHE_MAX	192	/* names kept; the rest decoded anew */

struct environ_entry {
	PyObject	*name;		/* str; NULL: a free slot */
	PyObject	*value;		/* str: the name's last value */
	uint32_t	 hash;
};

struct wsgi_environ_cache {
	PyObject		*base;	/* constant keys, copied each time */
	int			 used;
	struct environ_entry	 slot[ENVIRON_CACHE_SLOTS];
};

/* What the params told us along the way. */
struct seen {
	bool	https;
	bool	method;
};

static PyObject *
native(const char *s, size_t n)
{
	return PyUnicode_DecodeLatin1(s, (Py_ssize_t)n, NULL);
}

/* True when str s (made by native()) holds exactly the bytes p[0..n). */
static bool
same(PyObject *s, const char *p, size_t n)
{
	return (size_t)PyUnicode_GET_LENGTH(s) == n &&
	    memcmp(PyUnicode_1BYTE_DATA(s), p, n) == 0;
}

static bool
name_is(const struct request_param *p, const char *name, size_t n)
{
	return p->name_len == n && memcmp(p->name, name, n) == 0;
}

/* Builds the template: keys whose values do not depend on the request. */
static PyObject *
base_new(struct wsgi_state *st)
{
	PyObject	*d, **s = st->str;

	if ((d = PyDict_New()) == NULL)
		return NULL;
	if (PyDict_SetItem(d, s[WSGI_STR_VERSION], st->version) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_URL_SCHEME], s[WSGI_STR_HTTP]) ==
	    -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_MULTITHREAD], Py_False) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_MULTIPROCESS], Py_False) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_RUN_ONCE], Py_False) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_FILE_WRAPPER],
	    (PyObject *)st->filewrap_type) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_INPUT_TERMINATED], Py_True) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_PYFPM_VERSION], st->pyfpm_version) ==
	    -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_GROUP], st->group_str) == -1 ||
	    PyDict_SetItem(d, s[WSGI_STR_QUERY_STRING], s[WSGI_STR_EMPTY]) ==
	    -1) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

/* st's cache, made on first use; NULL with an exception set. */
static struct wsgi_environ_cache *
cache_get(struct wsgi_state *st)
{
	struct wsgi_environ_cache	*c;

	if (st->environ_cache != NULL)
		return st->environ_cache;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		PyErr_NoMemory();
		return NULL;
	}
	if ((c->base = base_new(st)) == NULL) {
		free(c);
		return NULL;
	}
	st->environ_cache = c;
	return c;
}

/* Hashes a param name a word at a time: names are short, but this runs
 * for each of them on every request. */
static uint32_t
name_hash(const char *p, size_t n)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (uint32_t)h;
}

/* The cache entry of p's name, added if there is room; NULL when full,
 * or with an exception set. */
static struct environ_entry *
entry(struct wsgi_environ_cache *c, const struct request_param *p)
{
	struct environ_entry	*e;
	uint32_t		 h = name_hash(p->name, p->name_len);
	size_t			 i = h & (ENVIRON_CACHE_SLOTS - 1);

	for (;; i = (i + 1) & (ENVIRON_CACHE_SLOTS - 1)) {
		e = &c->slot[i];
		if (e->name == NULL)
			break;
		if (e->hash == h && same(e->name, p->name, p->name_len))
			return e;
	}
	if (c->used >= ENVIRON_CACHE_MAX)
		return NULL;
	if ((e->name = native(p->name, p->name_len)) == NULL)
		return NULL;
	e->hash = h;
	c->used++;
	return e;
}

/* Stores p in env, through the cache when it has room. */
static int
add_param(PyObject *env, struct wsgi_environ_cache *c,
    const struct request_param *p)
{
	struct environ_entry	*e;
	PyObject		*name, *value;
	int			 r;

	if ((e = entry(c, p)) == NULL) {
		if (PyErr_Occurred())
			return -1;
		if ((name = native(p->name, p->name_len)) == NULL)
			return -1;
	} else {
		name = e->name;
		Py_INCREF(name);
	}
	if (e != NULL && e->value != NULL &&
	    same(e->value, p->value, p->value_len)) {
		value = e->value;
		Py_INCREF(value);
	} else if ((value = native(p->value, p->value_len)) != NULL &&
	    e != NULL) {
		Py_INCREF(value);
		Py_XSETREF(e->value, value);
	}
	r = value != NULL ? PyDict_SetItem(env, name, value) : -1;
	Py_DECREF(name);
	Py_XDECREF(value);
	return r;
}

/* True for params the app does not get as sent; notes those we look at. */
static bool
skip(const struct request *req, const struct request_param *p,
    struct seen *seen)
{
	const char	*v = p->value;

	/* wsgi.* and pyfpm.* are ours, whatever the front-end sends. */
	if ((p->name[0] == 'w' && p->name_len > 5 &&
	    memcmp(p->name, "wsgi.", 5) == 0) || (p->name[0] == 'p' &&
	    p->name_len > 6 && memcmp(p->name, "pyfpm.", 6) == 0))
		return true;
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

/* Adds what depends on the request but is no param as sent. */
static int
add_request(PyObject *env, struct wsgi_state *st, const struct request *req,
    const struct seen *seen, PyObject *input, PyObject *errors)
{
	const struct route_match	*m = &req->match;
	PyObject			**s = st->str;

	if (m->script_name != NULL && set(env, s[WSGI_STR_SCRIPT_NAME],
	    native(m->script_name, strlen(m->script_name))) == -1)
		return -1;
	if (m->path_info != NULL && set(env, s[WSGI_STR_PATH_INFO],
	    native(m->path_info, strlen(m->path_info))) == -1)
		return -1;
	if (!seen->method && set(env, s[WSGI_STR_REQUEST_METHOD],
	    native(req->method, strlen(req->method))) == -1)
		return -1;
	if (seen->https && PyDict_SetItem(env, s[WSGI_STR_URL_SCHEME],
	    s[WSGI_STR_HTTPS]) == -1)
		return -1;
	/* The template has the interpreter's group, which is req's. */
	if (strcmp(PyBytes_AS_STRING(st->group), req->group) != 0 &&
	    set(env, s[WSGI_STR_GROUP], native(req->group,
	    strlen(req->group))) == -1)
		return -1;
	if (PyDict_SetItem(env, s[WSGI_STR_INPUT], input) == -1 ||
	    PyDict_SetItem(env, s[WSGI_STR_ERRORS], errors) == -1)
		return -1;
	return 0;
}

PyObject *
wsgi_environ_new(struct wsgi_state *st, const struct request *req,
    PyObject *input, PyObject *errors)
{
	struct wsgi_environ_cache	*c;
	struct seen			 seen = { false, false };
	PyObject			*env;
	size_t				 i;

	if ((c = cache_get(st)) == NULL || (env = PyDict_Copy(c->base)) ==
	    NULL)
		return NULL;
	for (i = 0; i < req->nparams; i++) {
		if (skip(req, &req->params[i], &seen))
			continue;
		if (add_param(env, c, &req->params[i]) == -1)
			goto fail;
	}
	if (add_request(env, st, req, &seen, input, errors) == -1)
		goto fail;
	return env;
fail:
	Py_DECREF(env);
	return NULL;
}

void
wsgi_environ_cache_free(struct wsgi_environ_cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < ENVIRON_CACHE_SLOTS; i++) {
		Py_XDECREF(c->slot[i].name);
		Py_XDECREF(c->slot[i].value);
	}
	Py_XDECREF(c->base);
	free(c);
}
