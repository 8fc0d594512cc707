#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * PEP 3333 "The start_response() Callable": status and header names and
 * values are native strings holding only latin-1 code points, and
 * hop-by-hop headers are the server's business.  A CR, LF or other control
 * character would let the app split the response, so they are refused too.
 * The output is a CGI header block ("Status:" first), as FastCGI
 * responders send it.
 */

#include "server/wsgi/headers.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const hop_by_hop[] = {
	"connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailers", "transfer-encoding",
	"upgrade", NULL
};

/* The latin-1 bytes of native string s (what names it in errors).
 * Borrowed from s, or NULL with an exception set. */
static const char *
latin1(PyObject *s, Py_ssize_t *len, const char *what)
{
	if (!PyUnicode_Check(s)) {
		PyErr_Format(PyExc_TypeError, "%s must be str, not %.200s",
		    what, Py_TYPE(s)->tp_name);
		return NULL;
	}
	if (PyUnicode_READY(s) == -1)
		return NULL;
	if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) {
		PyErr_Format(PyExc_ValueError,
		    "%s has characters outside latin-1: %R", what, s);
		return NULL;
	}
	*len = PyUnicode_GET_LENGTH(s);
	return (const char *)PyUnicode_1BYTE_DATA(s);
}

/* RFC 9110 tchar: what a header name is made of. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* True when p[0..n) holds a control character other than HTAB. */
static bool
has_ctl(const char *p, Py_ssize_t n)
{
	Py_ssize_t	i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

/* True when name[0..n) is, ignoring case, the lower-case word w. */
static bool
is_name(const char *name, Py_ssize_t n, const char *w)
{
	return (size_t)n == strlen(w) && strncasecmp(name, w, (size_t)n) == 0;
}

/* Appends n bytes to b; -1 with MemoryError set. */
static int
put(struct wsgi_headers *b, const char *p, size_t n)
{
	char	*nbuf;
	size_t	 ncap;

	if (b->len + n > b->cap) {
		ncap = b->cap == 0 ? 512 : b->cap;
		while (ncap < b->len + n)
			ncap *= 2;
		if ((nbuf = realloc(b->buf, ncap)) == NULL) {
			PyErr_NoMemory();
			return -1;
		}
		b->buf = nbuf;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

/* Checks the status line and starts the block with it. */
static int
put_status(struct wsgi_headers *b, PyObject *status)
{
	const char	*s;
	Py_ssize_t	 n;

	if ((s = latin1(status, &n, "status")) == NULL)
		return -1;
	if (n < 4 || s[0] < '1' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || s[3] != ' ' || has_ctl(s, n)) {
		PyErr_Format(PyExc_ValueError,
		    "status must be like '200 OK', not %R", status);
		return -1;
	}
	b->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (put(b, "Status: ", 8) == -1 || put(b, s, (size_t)n) == -1 ||
	    put(b, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* Parses a Content-Length value: digits, optionally space-padded. */
static int
parse_length(const char *v, Py_ssize_t n, long long *out)
{
	Py_ssize_t	i = 0;
	long long	x = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	while (n > i && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (LLONG_MAX - 9) / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

/* Checks the name of header item (for messages) and returns its bytes. */
static const char *
check_name(PyObject *name, Py_ssize_t *n)
{
	const char	*s;
	Py_ssize_t	 i;

	if ((s = latin1(name, n, "header name")) == NULL)
		return NULL;
	for (i = 0; i < *n && is_tchar((unsigned char)s[i]); i++)
		;
	if (*n == 0 || i < *n) {
		PyErr_Format(PyExc_ValueError, "invalid header name %R", name);
		return NULL;
	}
	for (i = 0; hop_by_hop[i] != NULL; i++)
		if (is_name(s, *n, hop_by_hop[i])) {
			PyErr_Format(PyExc_ValueError,
			    "hop-by-hop header %R is not allowed (PEP 3333)",
			    name);
			return NULL;
		}
	if (is_name(s, *n, "status")) {
		PyErr_SetString(PyExc_ValueError, "a 'Status' header is not "
		    "allowed: the status is start_response()'s first argument");
		return NULL;
	}
	return s;
}

/* Checks one (name, value) tuple and appends "name: value\r\n". */
static int
put_header(struct wsgi_headers *b, PyObject *item)
{
	const char	*name, *value;
	Py_ssize_t	 nlen, vlen;

	if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
		PyErr_Format(PyExc_TypeError, "headers must be (name, value) "
		    "tuples, not %.200s", Py_TYPE(item)->tp_name);
		return -1;
	}
	if ((name = check_name(PyTuple_GET_ITEM(item, 0), &nlen)) == NULL)
		return -1;
	value = latin1(PyTuple_GET_ITEM(item, 1), &vlen, "header value");
	if (value == NULL)
		return -1;
	if (has_ctl(value, vlen)) {
		PyErr_Format(PyExc_ValueError, "header %R: control character "
		    "in value", PyTuple_GET_ITEM(item, 0));
		return -1;
	}
	if (is_name(name, nlen, "content-length") &&
	    parse_length(value, vlen, &b->content_length) == -1) {
		PyErr_Format(PyExc_ValueError, "invalid Content-Length %R",
		    PyTuple_GET_ITEM(item, 1));
		return -1;
	}
	if (put(b, name, (size_t)nlen) == -1 || put(b, ": ", 2) == -1 ||
	    put(b, value, (size_t)vlen) == -1 || put(b, "\r\n", 2) == -1)
		return -1;
	return 0;
}

int
wsgi_headers_set(struct wsgi_headers *h, PyObject *status, PyObject *headers)
{
	struct wsgi_headers	 b = { .content_length = -1 };
	Py_ssize_t		 i;

	if (!PyList_Check(headers)) {
		PyErr_Format(PyExc_TypeError, "headers must be a list, not "
		    "%.200s", Py_TYPE(headers)->tp_name);
		return -1;
	}
	if (put_status(&b, status) == -1)
		goto fail;
	for (i = 0; i < PyList_GET_SIZE(headers); i++)
		if (put_header(&b, PyList_GET_ITEM(headers, i)) == -1)
			goto fail;
	if (put(&b, "\r\n", 2) == -1)
		goto fail;
	wsgi_headers_clear(h);
	*h = b;
	return 0;
fail:
	wsgi_headers_clear(&b);
	return -1;
}

void
wsgi_headers_clear(struct wsgi_headers *h)
{
	free(h->buf);
	memset(h, 0, sizeof(*h));
	h->content_length = -1;
}
