#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "config.h"

/*
 * Tests for server/wsgi through wsgi_call(), with the request in memory: a
 * byte buffer as the body (its reader does NOT stop at CONTENT_LENGTH, so
 * the WSGI layer's own bound is what is tested), a growing buffer as the
 * output.  The apps are in test_wsgi_apps.c.  What the layer logs goes to
 * a temporary file that the tests search (PYFPM_TEST_KEEP=1 keeps it).
 * Python.h is here only to see, from the I/O callbacks, whether this
 * thread holds the GIL.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/log.h"
#include "common/route.h"
#include "server/python/interp.h"
#include "server/request.h"
#include "server/wsgi/wsgi.h"

#define FAKE_MAXPARAMS	64
#define TMP_MAXFILES	16
#define N(t)		(sizeof(t) / sizeof((t)[0]))

extern const char test_wsgi_apps[];

struct fake {
	struct request		 req;	/* first: callbacks cast req back */
	struct route		 route;
	struct request_param	 params[FAKE_MAXPARAMS];
	char			 clen[24];
	const char		*body;
	size_t			 body_len;
	size_t			 body_pos;	/* bytes handed to the layer */
	size_t			 max_read;	/* largest read asked for */
	bool			 read_gil;	/* a read ran holding the GIL */
	bool			 small_write_gil;
	bool			 big_write_gil;
	char			*out;
	size_t			 out_len;
	size_t			 out_cap;
	int			 writes;
	int			 flushes;
	int			 fail_after;	/* good writes; -1: all */
};

static char	tmp_dir[64];
static char	tmp_files[TMP_MAXFILES][128];
static int	tmp_nfiles;
static char	log_path[128];

/* True when this thread holds the GIL (has a current thread state). */
static bool
gil_held(void)
{
	return _PyThreadState_UncheckedGet() != NULL;
}

static ssize_t
fake_read(struct request *req, char *buf, size_t n)
{
	struct fake	*f = (struct fake *)req;
	size_t		 left = f->body_len - f->body_pos;

	if (gil_held())
		f->read_gil = true;
	if (n > f->max_read)
		f->max_read = n;
	if (n > left)
		n = left;
	memcpy(buf, f->body + f->body_pos, n);
	f->body_pos += n;
	return (ssize_t)n;
}

static int
fake_write(struct request *req, const char *buf, size_t n)
{
	struct fake	*f = (struct fake *)req;

	if (f->fail_after >= 0 && f->writes >= f->fail_after) {
		f->writes++;
		return -1;
	}
	f->writes++;
	if (n >= 65536 && gil_held())
		f->big_write_gil = true;
	if (n < 1024 && gil_held())
		f->small_write_gil = true;
	if (f->out_len + n + 1 > f->out_cap) {
		f->out_cap = (f->out_len + n + 1) * 2;
		f->out = realloc(f->out, f->out_cap);
		if (f->out == NULL)
			abort();
	}
	memcpy(f->out + f->out_len, buf, n);
	f->out_len += n;
	f->out[f->out_len] = '\0';
	return 0;
}

static int
fake_flush(struct request *req)
{
	struct fake	*f = (struct fake *)req;

	f->flushes++;
	return f->fail_after >= 0 && f->writes >= f->fail_after ? -1 : 0;
}

/* Sets param name (replacing it, as the protocol layer dedups). */
static void
fake_param(struct fake *f, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < f->req.nparams; i++)
		if (strcmp(f->params[i].name, name) == 0)
			break;
	if (i == FAKE_MAXPARAMS)
		abort();
	f->params[i].name = name;
	f->params[i].name_len = strlen(name);
	f->params[i].value = value;
	f->params[i].value_len = strlen(value);
	if (i == f->req.nparams)
		f->req.nparams++;
}

static void
fake_unparam(struct fake *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->req.nparams; i++)
		if (strcmp(f->params[i].name, name) == 0) {
			f->params[i] = f->params[--f->req.nparams];
			return;
		}
}

/* Writes a file under the test directory; returns its path (static). */
static const char *
tmp_file(const char *name, const char *data, size_t len)
{
	char	*path = NULL;
	FILE	*fp;
	int	 i;

	for (i = 0; i < tmp_nfiles; i++)
		if (strcmp(strrchr(tmp_files[i], '/') + 1, name) == 0)
			path = tmp_files[i];
	if (path == NULL) {
		if (tmp_nfiles == TMP_MAXFILES)
			abort();
		path = tmp_files[tmp_nfiles++];
		snprintf(path, sizeof(tmp_files[0]), "%s/%s", tmp_dir, name);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		abort();
	return path;
}

/* The test apps' script, written once. */
static const char *
apps_path(void)
{
	static const char	*path;

	if (path == NULL)
		path = tmp_file("apps.wsgi", test_wsgi_apps,
		    strlen(test_wsgi_apps));
	return path;
}

static void
fake_init(struct fake *f, const char *method, const char *uri,
    const char *callable)
{
	memset(f, 0, sizeof(*f));
	f->fail_after = -1;
	f->req.params = f->params;
	f->req.method = method;
	f->req.uri = uri;
	f->req.group = "test";
	f->req.read = fake_read;
	f->req.write = fake_write;
	f->req.flush = fake_flush;
	f->route.prefix = "/app";
	f->route.callable = (char *)callable;
	f->route.group = "test";
	f->req.match.route = &f->route;
	f->req.match.script_name = "/app";
	f->req.match.path_info = "/x";
	f->req.match.script = (char *)apps_path();
	fake_param(f, "REQUEST_METHOD", method);
	fake_param(f, "REQUEST_URI", uri);
	fake_param(f, "QUERY_STRING", "");
	fake_param(f, "SERVER_NAME", "example.com");
	fake_param(f, "SERVER_PORT", "80");
	fake_param(f, "SERVER_PROTOCOL", "HTTP/1.1");
	fake_param(f, "HTTP_HOST", "example.com");
}

static void
fake_body(struct fake *f, const char *body, size_t len, long long clen)
{
	f->body = body;
	f->body_len = len;
	f->req.content_length = clen;
	snprintf(f->clen, sizeof(f->clen), "%lld", clen);
	fake_param(f, "CONTENT_LENGTH", f->clen);
}

static void
fake_clear(struct fake *f)
{
	free(f->out);
	f->out = NULL;
}

/* Runs f through wsgi_call() in interpreter f->req.group: its result,
 * or -2 when the interpreter could not be had.  Safe in any thread. */
static int
fake_run(struct fake *f)
{
	struct interp	*in;
	int		 status, rc = -2;

	if ((in = interp_acquire(f->req.group, &status)) != NULL) {
		rc = wsgi_call(&f->req, in);
		interp_release(in);
	}
	if (f->out == NULL && (f->out = calloc(1, 1)) == NULL)
		abort();
	return rc;
}

static int
fake_call(struct fake *f)
{
	int	rc;

	rc = fake_run(f);
	CU_ASSERT_NOT_EQUAL_FATAL(rc, -2);
	return rc;
}

/* The response body: what follows the header block, or "". */
static const char *
fake_out_body(const struct fake *f)
{
	const char	*p = strstr(f->out, "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}

static bool
is_500(const struct fake *f)
{
	return strncmp(f->out, "Status: 500 Internal Server Error\r\n",
	    35) == 0 && strcmp(fake_out_body(f), "Internal Server Error\n") ==
	    0 && f->req.status == 500;
}

/* True when the log holds needle. */
static bool
log_has(const char *needle)
{
	char	*buf;
	FILE	*fp;
	long	 n;
	bool	 found;

	if ((fp = fopen(log_path, "r")) == NULL)
		return false;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = calloc(1, (size_t)n + 1)) == NULL)
		abort();
	n = (long)fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	buf[n] = '\0';
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

static void
tmp_cleanup(void)
{
	int	i;

	if (getenv("PYFPM_TEST_KEEP") != NULL) {
		fprintf(stderr, "test_wsgi: kept %s\n", tmp_dir);
		return;
	}
	for (i = 0; i < tmp_nfiles; i++)
		unlink(tmp_files[i]);
	unlink(log_path);
	rmdir(tmp_dir);
}

/* Runs the first time a test needs the fixture: temp dir and log file. */
static void
fixture(void)
{
	if (tmp_dir[0] != '\0')
		return;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/pyfpm-test-wsgi.XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		abort();
	snprintf(log_path, sizeof(log_path), "%s/log", tmp_dir);
	if (log_open(log_path) == -1)
		abort();
	log_init(LOG_LEVEL_DEBUG, "test");
	atexit(tmp_cleanup);
}

static void
test_wsgi_hello_one_write(void)
{
	struct fake	f;

	fixture();
	fake_init(&f, "GET", "/app/x", "hello");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(f.out, "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
	CU_ASSERT_EQUAL(f.writes, 1);
	CU_ASSERT_EQUAL(f.flushes, 0);
	CU_ASSERT_EQUAL(f.req.status, 200);
	CU_ASSERT_EQUAL(f.req.bytes_sent, 5);
	CU_ASSERT_FALSE(f.req.aborted);
	CU_ASSERT_TRUE(f.small_write_gil);
	fake_clear(&f);
}

static void
test_wsgi_environ(void)
{
	static const char *const want[] = {
		"SCRIPT_NAME='/app'\n", "PATH_INFO='/x/y'\n",
		"CONTENT_TYPE='text/plain'\n", "CONTENT_LENGTH='3'\n",
		"REQUEST_METHOD='POST'\n", "QUERY_STRING=''\n",
		"LATIN='caf\\xe9'\n", "wsgi.version=(1, 0)\n",
		"wsgi.url_scheme='http'\n", "wsgi.multithread=False\n",
		"wsgi.multiprocess=False\n", "wsgi.run_once=False\n",
		"wsgi.input_terminated=True\n",
		"pyfpm.application_group='test'\n",
		"pyfpm.version='" PACKAGE_VERSION "'\n",
		"HTTP_CONTENT_TYPE absent\n", "HTTP_CONTENT_LENGTH absent\n",
		"file_wrapper callable=True\n", "cgi types=str\n",
	};
	struct fake	f;
	size_t		i;

	fixture();
	fake_init(&f, "POST", "/app/x/y", "environ_dump");
	fake_body(&f, "abc", 3, 3);
	fake_param(&f, "SCRIPT_NAME", "/wrong");
	fake_param(&f, "PATH_INFO", "/wrong");
	fake_param(&f, "CONTENT_TYPE", "text/plain");
	fake_param(&f, "HTTP_CONTENT_TYPE", "text/plain");
	fake_param(&f, "HTTP_CONTENT_LENGTH", "3");
	fake_param(&f, "LATIN", "caf\xe9");
	fake_unparam(&f, "QUERY_STRING");
	f.req.match.path_info = "/x/y";
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	for (i = 0; i < N(want); i++)
		if (strstr(fake_out_body(&f), want[i]) == NULL) {
			fprintf(stderr, "\nmissing %s in:\n%s", want[i], f.out);
			CU_FAIL("environ entry missing");
		}
	fake_clear(&f);

	/* No REQUEST_METHOD param: req->method stands in.  A new value of
	 * a param seen before shows (values are cached per name).  wsgi.*
	 * and pyfpm.* params cannot override ours. */
	fake_init(&f, "PUT", "/app/x", "environ_dump");
	fake_unparam(&f, "REQUEST_METHOD");
	fake_param(&f, "LATIN", "other");
	fake_param(&f, "wsgi.url_scheme", "gopher");
	fake_param(&f, "pyfpm.version", "0");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "REQUEST_METHOD='PUT'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "CONTENT_LENGTH='<absent>'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "LATIN='other'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "wsgi.url_scheme='http'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out,
	    "pyfpm.version='" PACKAGE_VERSION "'\n"));
	fake_clear(&f);
}

static void
test_wsgi_environ_many_headers(void)
{
	static char	names[300][16], values[300][16];
	struct fake	f;
	char		want[64];
	int		i, round;

	fixture();
	/* More names than the cache keeps: the rest still arrive. */
	for (round = 0; round < 2; round++) {
		fake_init(&f, "GET", "/app/x", "environ_dump");
		fake_unparam(&f, "HTTP_HOST");
		for (i = 0; i < 40; i++) {
			snprintf(names[round * 40 + i], sizeof(names[0]),
			    "HTTP_X_%d", round * 40 + i);
			snprintf(values[round * 40 + i], sizeof(values[0]),
			    "v%d", i);
			fake_param(&f, names[round * 40 + i],
			    values[round * 40 + i]);
		}
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_EQUAL(f.req.status, 200);
		fake_clear(&f);
	}
	for (round = 2; round < 7; round++) {
		fake_init(&f, "GET", "/app/x", "scheme");
		for (i = 0; i < 40; i++) {
			snprintf(names[round * 40 + i], sizeof(names[0]),
			    "HTTP_Y_%d", round * 40 + i);
			fake_param(&f, names[round * 40 + i], "y");
		}
		fake_param(&f, "HTTPS", round % 2 ? "on" : "off");
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		snprintf(want, sizeof(want), "%s", round % 2 ? "https" :
		    "http");
		CU_ASSERT_STRING_EQUAL(fake_out_body(&f), want);
		fake_clear(&f);
	}
}

static void
test_wsgi_url_scheme(void)
{
	static const struct {
		const char	*name, *value, *want;
	} t[] = {
		{ NULL, NULL, "http" },
		{ "HTTPS", "on", "https" },
		{ "HTTPS", "ON", "https" },
		{ "HTTPS", "1", "https" },
		{ "HTTPS", "yes", "https" },
		{ "HTTPS", "Yes", "https" },
		{ "HTTPS", "off", "http" },
		{ "HTTPS", "", "http" },
		{ "HTTPS", "0", "http" },
		{ "REQUEST_SCHEME", "https", "https" },
		{ "REQUEST_SCHEME", "HTTPS", "https" },
		{ "REQUEST_SCHEME", "http", "http" },
	};
	struct fake	f;
	size_t		i;

	fixture();
	for (i = 0; i < N(t); i++) {
		fake_init(&f, "GET", "/app/x", "scheme");
		if (t[i].name != NULL)
			fake_param(&f, t[i].name, t[i].value);
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_STRING_EQUAL(fake_out_body(&f), t[i].want);
		fake_clear(&f);
	}
}

static void
test_wsgi_validator_passes(void)
{
	static const char	body[] = "line1\nrest of body";
	struct fake		f;

	fixture();
	fake_init(&f, "POST", "/app/validated", "validated");
	fake_body(&f, body, sizeof(body) - 1, sizeof(body) - 1);
	fake_param(&f, "CONTENT_TYPE", "text/plain");
	fake_param(&f, "HTTP_CONTENT_TYPE", "text/plain");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_EQUAL(f.req.status, 200);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f),
	    "first=line1\n rest=rest of body");
	CU_ASSERT_TRUE(log_has("[group \"test\"] validator-ok"));
	CU_ASSERT_FALSE(log_has("uri /app/validated: "));
	fake_clear(&f);
}

static void
test_wsgi_input_bounded(void)
{
	static const char	body[] = "one\ntwo\nthree\nEXTRA-NOT-BODY\n";
	static const struct {
		const char	*mode, *want;
	} t[] = {
		{ "read", "[b'one\\ntwo\\nthree\\n']" },
		{ "read_none", "[b'one\\ntwo\\nthree\\n']" },
		{ "read_n", "[b'one\\nt', b'wo\\nthree\\n', b'', b'']" },
		{ "readline",
		    "[b'one\\n', b'two\\n', b'three\\n', b'', b'']" },
		{ "readline_size",
		    "[b'on', b'e\\n', b'', b'two\\n', b'three\\n']" },
		{ "readlines", "[b'one\\n', b'two\\n', b'three\\n']" },
		{ "readlines_hint", "[b'one\\n', b'two\\n']" },
		{ "iter", "[b'one\\n', b'two\\n', b'three\\n']" },
		{ "mixed", "[b'on', b'e\\n', b'two\\n', b'three\\n']" },
		{ "badarg", "['TypeError']" },
	};
	struct fake	f;
	size_t		i;

	fixture();
	for (i = 0; i < N(t); i++) {
		fake_init(&f, "POST", "/app/input", "input_mode");
		fake_body(&f, body, sizeof(body) - 1, 14);
		fake_param(&f, "TEST_MODE", t[i].mode);
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_STRING_EQUAL(fake_out_body(&f), t[i].want);
		CU_ASSERT(f.body_pos <= 14);
		CU_ASSERT_FALSE(f.read_gil);
		fake_clear(&f);
	}
}

static void
test_wsgi_input_streams(void)
{
	size_t		 len = 8 << 20, i;
	unsigned int	 sum = 0;
	char		*body, want[64];
	struct fake	 f;

	fixture();
	if ((body = malloc(len)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		body[i] = (char)(i * 7 + i / 1000);
		sum += (unsigned char)body[i];
	}
	snprintf(want, sizeof(want), "%zu %u", len, sum);
	fake_init(&f, "POST", "/app/stream", "input_stream");
	fake_body(&f, body, len, (long long)len);
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), want);
	/* Streamed in bounded reads, never buffered whole. */
	CU_ASSERT(f.max_read <= 65536);
	CU_ASSERT_EQUAL(f.body_pos, len);
	CU_ASSERT_FALSE(f.read_gil);
	fake_clear(&f);
	free(body);
}

static void
test_wsgi_input_long_line(void)
{
	size_t		 len = 200000;
	char		*body;
	struct fake	 f;

	fixture();
	if ((body = malloc(len + 3)) == NULL)
		abort();
	memset(body, 'a', len);
	memcpy(body + len, "\nbb", 3);
	fake_init(&f, "POST", "/app/longline", "input_longline");
	fake_body(&f, body, len + 3, (long long)len + 3);
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "200001 2 0 b'bb'");
	fake_clear(&f);
	free(body);
}

static void
test_wsgi_start_response_errors(void)
{
	static const struct {
		const char	*name, *exc;
	} t[] = {
		{ "hop", "ValueError: hop-by-hop header 'Connection'" },
		{ "hop_te", "ValueError: hop-by-hop" },
		{ "hop_keepalive", "ValueError: hop-by-hop" },
		{ "hop_upgrade", "ValueError: hop-by-hop" },
		{ "hop_trailers", "ValueError: hop-by-hop" },
		{ "hop_te2", "ValueError: hop-by-hop" },
		{ "hop_proxy", "ValueError: hop-by-hop" },
		{ "hop_proxy2", "ValueError: hop-by-hop" },
		{ "name_bytes", "TypeError: header name must be str" },
		{ "value_int", "TypeError: header value must be str" },
		{ "value_bytes", "TypeError: header value must be str" },
		{ "tuple3", "TypeError: headers must be (name, value)" },
		{ "not_tuple", "TypeError: headers must be (name, value)" },
		{ "headers_tuple", "TypeError: headers must be a list" },
		{ "status_bytes", "TypeError: status must be str" },
		{ "status_short", "ValueError: status must be like" },
		{ "status_words", "ValueError: status must be like" },
		{ "status_newline", "ValueError: status must be like" },
		{ "value_newline", "ValueError: header 'X-A': control" },
		{ "value_nul", "ValueError: header 'X-A': control" },
		{ "name_space", "ValueError: invalid header name" },
		{ "name_colon", "ValueError: invalid header name" },
		{ "name_empty", "ValueError: invalid header name" },
		{ "value_euro", "ValueError: header value has characters" },
		{ "status_header", "ValueError: a 'Status' header" },
		{ "bad_length", "ValueError: invalid Content-Length" },
		{ "twice", "RuntimeError: start_response() called again" },
		{ "no_args", "TypeError: " },
	};
	struct fake	f;
	char		uri[64], line[160];
	size_t		i;

	fixture();
	for (i = 0; i < N(t); i++) {
		snprintf(uri, sizeof(uri), "/sr/%s", t[i].name);
		fake_init(&f, "GET", uri, "sr_error");
		fake_param(&f, "TEST_CASE", t[i].name);
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_TRUE(is_500(&f));
		CU_ASSERT_PTR_NULL(strstr(f.out, "X-Evil"));
		snprintf(line, sizeof(line), "group \"test\" uri %s: %s", uri,
		    t[i].exc);
		if (!log_has(line)) {
			fprintf(stderr, "\nnot logged: %s\n", line);
			CU_FAIL("start_response error not logged");
		}
		fake_clear(&f);
	}
}

static void
test_wsgi_start_response_error_catchable(void)
{
	struct fake	f;

	fixture();
	fake_init(&f, "GET", "/app/caught", "sr_caught");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(f.out, "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\nX-Latin: caf\xe9\r\n\r\n"
	    "caught ValueError");
	fake_clear(&f);
}

static void
test_wsgi_exc_info(void)
{
	struct fake	f;

	fixture();
	/* Before the headers went out, exc_info replaces them. */
	fake_init(&f, "GET", "/app/exc-before", "exc_before");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(f.out, "Status: 500 Oops\r\n"
	    "Content-Type: text/plain\r\n\r\noops");
	CU_ASSERT_EQUAL(f.req.status, 500);
	fake_clear(&f);

	/* After, start_response re-raises it: the response is cut short. */
	fake_init(&f, "GET", "/app/exc-after", "exc_after");
	CU_ASSERT_EQUAL(fake_call(&f), -1);
	CU_ASSERT_TRUE(f.req.aborted);
	CU_ASSERT_EQUAL(f.req.status, 200);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "partial");
	CU_ASSERT_TRUE(log_has("uri /app/exc-after: KeyError: 'late-key'"));
	fake_clear(&f);
}

static void
test_wsgi_exception_gives_500(void)
{
	struct fake	f;
	char		line[256];

	fixture();
	fake_init(&f, "GET", "/app/raises", "raises");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	CU_ASSERT_PTR_NULL(strstr(f.out, "secret"));
	CU_ASSERT_PTR_NULL(strstr(f.out, "Traceback"));
	CU_ASSERT_FALSE(f.req.aborted);
	CU_ASSERT_TRUE(log_has("group \"test\" uri /app/raises: "
	    "Traceback (most recent call last):"));
	CU_ASSERT_TRUE(log_has("uri /app/raises: ValueError: secret-detail"));
	snprintf(line, sizeof(line), "uri /app/raises:   File \"%s\"",
	    apps_path());
	CU_ASSERT_TRUE(log_has(line));
	fake_clear(&f);

	/* sys.exit() in an app is an error like any other. */
	fake_init(&f, "GET", "/app/exit", "sys_exit");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	CU_ASSERT_TRUE(log_has("uri /app/exit: SystemExit: 3"));
	fake_clear(&f);
}

static void
test_wsgi_generator_errors(void)
{
	struct fake	f;

	fixture();
	fake_init(&f, "GET", "/app/gen-before", "gen_before");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	CU_ASSERT_TRUE(log_has("uri /app/gen-before: RuntimeError: "
	    "before-first-chunk"));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/gen-after", "gen_after");
	CU_ASSERT_EQUAL(fake_call(&f), -1);
	CU_ASSERT_TRUE(f.req.aborted);
	CU_ASSERT_EQUAL(f.req.status, 200);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "first");
	CU_ASSERT_TRUE(log_has("uri /app/gen-after: RuntimeError: "
	    "after-first-chunk"));
	fake_clear(&f);
}

static void
test_wsgi_streaming_flushes(void)
{
	struct fake	f;

	fixture();
	/* Each generator block is flushed before the next is asked for. */
	fake_init(&f, "GET", "/app/gen3", "gen_three");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "onetwothree");
	CU_ASSERT_EQUAL(f.flushes, 3);
	CU_ASSERT_EQUAL(f.req.bytes_sent, 11);
	fake_clear(&f);

	/* A list is all there: no flush, headers with the first chunk. */
	fake_init(&f, "GET", "/app/list3", "list_three");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "onetwothree");
	CU_ASSERT_EQUAL(f.flushes, 0);
	CU_ASSERT_EQUAL(f.writes, 3);
	fake_clear(&f);

	/* A large body is written without the GIL. */
	fake_init(&f, "GET", "/app/big", "big");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_EQUAL(strlen(fake_out_body(&f)), 1000000);
	CU_ASSERT_EQUAL(f.req.bytes_sent, 1000000);
	CU_ASSERT_FALSE(f.big_write_gil);
	fake_clear(&f);
}

static void
test_wsgi_close_always_called(void)
{
	static const struct {
		const char	*method, *callable, *tag, *fail;
		int		 fail_after, rc;
		const char	*body;
	} t[] = {
		{ "GET", "closing", "close-ok", NULL, -1, 0, "abc" },
		{ "GET", "closing", "close-fail", "boom", -1, -1, "abc" },
		{ "GET", "closing", "close-gone", NULL, 0, -1, "" },
		{ "GET", "closing", "close-gone2", NULL, 1, -1, "a" },
		{ "HEAD", "closing", "close-head", NULL, -1, 0, "" },
		{ "GET", "closing_lazy", "close-lazy", NULL, -1, 0, "xy" },
	};
	struct fake	f;
	char		line[128];
	size_t		i;

	fixture();
	for (i = 0; i < N(t); i++) {
		fake_init(&f, t[i].method, t[i].tag, t[i].callable);
		fake_param(&f, "TEST_TAG", t[i].tag);
		if (t[i].fail != NULL)
			fake_param(&f, "TEST_FAIL", t[i].fail);
		f.fail_after = t[i].fail_after;
		CU_ASSERT_EQUAL(fake_call(&f), t[i].rc);
		CU_ASSERT_EQUAL(f.req.aborted, t[i].rc == -1);
		CU_ASSERT_STRING_EQUAL(fake_out_body(&f), t[i].body);
		snprintf(line, sizeof(line), "[group \"test\"] closed %s\n",
		    t[i].tag);
		CU_ASSERT_TRUE(log_has(line));
		fake_clear(&f);
	}
	/* A client gone is no app error: no traceback for it. */
	CU_ASSERT_FALSE(log_has("uri close-gone: Traceback"));
	CU_ASSERT_TRUE(log_has("uri close-gone: client went away"));
	CU_ASSERT_TRUE(log_has("uri close-fail: RuntimeError: boom"));
}

static void
test_wsgi_write_callable(void)
{
	struct fake	f;

	fixture();
	fake_init(&f, "GET", "/app/writer", "writer");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(f.out, "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\n\r\nabcdefghi");
	CU_ASSERT(f.flushes >= 2);
	CU_ASSERT_EQUAL(f.req.bytes_sent, 9);
	fake_clear(&f);

	fake_init(&f, "GET", "/app/write-str", "write_str");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	CU_ASSERT_TRUE(log_has("uri /app/write-str: TypeError: write() "
	    "argument must be bytes"));
	fake_clear(&f);
}

static void
test_wsgi_bad_results(void)
{
	static const struct {
		const char	*callable, *logged;
	} t[] = {
		{ "no_start", "RuntimeError: body data before start_response" },
		{ "no_start_empty", "RuntimeError: the app returned without "
		    "calling start_response()" },
		{ "str_chunk", "TypeError: the app's iterable yielded str, "
		    "not bytes" },
		{ "not_iterable", "TypeError: 'int' object is not iterable" },
		{ "returns_none", "TypeError: 'NoneType' object is not "
		    "iterable" },
		{ "returns_bytes", "TypeError: the app returned bytes, not an "
		    "iterable of bytes" },
	};
	struct fake	f;
	char		uri[64], line[160];
	size_t		i;

	fixture();
	for (i = 0; i < N(t); i++) {
		snprintf(uri, sizeof(uri), "/bad/%s", t[i].callable);
		fake_init(&f, "GET", uri, t[i].callable);
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_TRUE(is_500(&f));
		snprintf(line, sizeof(line), "uri %s: %s", uri, t[i].logged);
		CU_ASSERT_TRUE(log_has(line));
		fake_clear(&f);
	}
	fake_init(&f, "GET", "/app/204", "empty_ok");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(f.out, "Status: 204 No Content\r\n\r\n");
	fake_clear(&f);
}

static void
test_wsgi_head(void)
{
	struct fake	f;

	fixture();
	fake_init(&f, "HEAD", "/app/head", "hello");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(f.out, "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
	CU_ASSERT_EQUAL(f.req.bytes_sent, 0);
	fake_clear(&f);

	fake_init(&f, "HEAD", "/app/head-err", "raises");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_EQUAL(f.req.status, 500);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "");
	fake_clear(&f);
}

static void
test_wsgi_file_wrapper(void)
{
	static const struct {
		const char	*mode;
		size_t		 skip, len;
		bool		 logged;
	} t[] = {
		{ "file", 0, 10000, true },
		{ "offset", 3, 9997, true },
		{ "buffered", 3, 9997, false },
		{ "bytesio", 0, 10000, false },
		{ "truncate", 0, 4, true },
	};
	char		 data[10000], tag[32], line[64];
	const char	*path;
	struct fake	 f;
	size_t		 i;

	fixture();
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	path = tmp_file("data.bin", data, sizeof(data));
	for (i = 0; i < N(t); i++) {
		snprintf(tag, sizeof(tag), "fw-%s", t[i].mode);
		fake_init(&f, "GET", "/app/fw", "filewrap");
		fake_param(&f, "TEST_MODE", t[i].mode);
		fake_param(&f, "TEST_FILE", path);
		fake_param(&f, "TEST_TAG", tag);
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_EQUAL(strlen(fake_out_body(&f)), t[i].len);
		CU_ASSERT_EQUAL(memcmp(fake_out_body(&f), data + t[i].skip,
		    t[i].len), 0);
		CU_ASSERT_EQUAL(f.req.bytes_sent, (long long)t[i].len);
		snprintf(line, sizeof(line), "file closed %s\n", tag);
		CU_ASSERT_EQUAL(log_has(line), t[i].logged);
		/* A real file goes out in big blocks; BytesIO by 4 bytes. */
		if (strcmp(t[i].mode, "bytesio") == 0) {
			CU_ASSERT(f.writes > 1000);
		} else {
			CU_ASSERT_EQUAL(f.writes, 1);
		}
		fake_clear(&f);
	}
}

static void
test_wsgi_content_length(void)
{
	struct fake	f;

	fixture();
	/* Bytes past Content-Length are dropped; iteration stops. */
	fake_init(&f, "GET", "/app/cl-truncate", "cl_truncate");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "hello");
	CU_ASSERT_FALSE(log_has("cl-truncate iterated on"));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/cl-short", "cl_short");
	CU_ASSERT_EQUAL(fake_call(&f), -1);
	CU_ASSERT_TRUE(f.req.aborted);
	CU_ASSERT_TRUE(log_has("uri /app/cl-short: RuntimeError: the app "
	    "sent 3 bytes of its Content-Length of 10"));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/cl-empty", "cl_empty");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/cl-write-past", "cl_write_past");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "abc");
	CU_ASSERT_TRUE(log_has("write-past refused"));
	fake_clear(&f);
}

static void
test_wsgi_errors_stream(void)
{
	static const char *const want[] = {
		"[group \"test\"] err-part1 err-part2\n",
		"[group \"test\"] err-line2\n", "[group \"test\"] err-a\n",
		"[group \"test\"] err-b\n", "[group \"test\"] err-print\n",
		"[group \"test\"] err-tail\n",
	};
	struct fake	f;
	size_t		i;

	fixture();
	fake_init(&f, "GET", "/app/errors", "errors_lines");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "TypeError");
	for (i = 0; i < N(want); i++)
		CU_ASSERT_TRUE(log_has(want[i]));
	fake_clear(&f);
}

static void
test_wsgi_objects_outlive_request(void)
{
	struct fake	f;

	fixture();
	fake_init(&f, "GET", "/app/stash", "stash");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "stored");
	fake_clear(&f);
	fake_init(&f, "GET", "/app/stash", "stash");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "input:ValueError "
	    "sr:RuntimeError write:RuntimeError errors:ok");
	CU_ASSERT_TRUE(log_has("[group \"test\"] stash-late-write"));
	fake_clear(&f);
}

static void
test_wsgi_missing_script_or_callable(void)
{
	static const char	bad_syntax[] = "def application(:\n";
	static const char	bad_import[] = "x = 1 / 0\n";
	struct fake		f;
	char			line[256];

	fixture();
	fake_init(&f, "GET", "/app/missing", "application");
	f.req.match.script = "/nonexistent/missing.wsgi";
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	CU_ASSERT_TRUE(log_has("uri /app/missing: cannot load script "
	    "/nonexistent/missing.wsgi: No such file or directory"));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/nocallable", "nope");
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	snprintf(line, sizeof(line), "uri /app/nocallable: script %s has no "
	    "callable 'nope'", apps_path());
	CU_ASSERT_TRUE(log_has(line));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/syntax", "application");
	f.req.match.script = (char *)tmp_file("syntax.wsgi", bad_syntax,
	    sizeof(bad_syntax) - 1);
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	snprintf(line, sizeof(line), "uri /app/syntax: cannot load script %s",
	    f.req.match.script);
	CU_ASSERT_TRUE(log_has(line));
	CU_ASSERT_TRUE(log_has("uri /app/syntax: SyntaxError"));
	fake_clear(&f);

	fake_init(&f, "GET", "/app/import", "application");
	f.req.match.script = (char *)tmp_file("import.wsgi", bad_import,
	    sizeof(bad_import) - 1);
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_TRUE(is_500(&f));
	CU_ASSERT_TRUE(log_has("uri /app/import: ZeroDivisionError"));
	snprintf(line, sizeof(line), "%s", f.req.match.script);
	fake_clear(&f);

	/* A loaded script is in sys.modules with its __file__; one that
	 * failed to load is not left there. */
	fake_init(&f, "GET", "/app/modinfo", "modinfo");
	fake_param(&f, "TEST_FILE", apps_path());
	fake_param(&f, "TEST_BROKEN", line);
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "_pyfpm_wsgi_ True True "
	    "False");
	fake_clear(&f);
}

/* Rewrites script name as an app answering text (NULL: a syntax error),
 * with its mtime moved age seconds ahead. */
static const char *
write_version(const char *name, const char *text, int age)
{
	char		 src[256];
	const char	*path;
	struct timeval	 tv[2];

	if (text == NULL)
		snprintf(src, sizeof(src), "def application(:\n");
	else
		snprintf(src, sizeof(src), "def application(environ, sr):\n"
		    "    sr('200 OK', [])\n    return [b'%s']\n", text);
	path = tmp_file(name, src, strlen(src));
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec += age;
	tv[1] = tv[0];
	if (utimes(path, tv) == -1)
		abort();
	return path;
}

static void
test_wsgi_reload_on_change(void)
{
	static const struct {
		bool		 write;
		const char	*text;		/* NULL: a syntax error */
		bool		 reload;
		const char	*want;		/* NULL: a 500 */
	} t[] = {
		{ true, "v1", false, "v1" },
		{ true, "v2", false, "v1" },	/* not asked to reload */
		{ false, NULL, true, "v2" },
		{ false, NULL, true, "v2" },
		{ true, NULL, true, NULL },	/* broken: 500 until fixed */
		{ false, NULL, true, NULL },
		{ true, "v4", true, "v4" },
	};
	struct fake	 f;
	const char	*path = NULL;
	size_t		 i;

	fixture();
	for (i = 0; i < N(t); i++) {
		if (t[i].write)
			path = write_version("reload.wsgi", t[i].text,
			    (int)i * 10);
		fake_init(&f, "GET", "/app/reload", "application");
		f.req.match.script = (char *)path;
		f.route.reload_on_change = t[i].reload;
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		if (t[i].want != NULL) {
			CU_ASSERT_STRING_EQUAL(fake_out_body(&f), t[i].want);
		} else {
			CU_ASSERT_TRUE(is_500(&f));
		}
		fake_clear(&f);
	}
}

static void
test_wsgi_script_shared_per_group(void)
{
	static const char *const groups[] = { "test", "test", "other", "" };
	struct fake	f;
	size_t		i;

	fixture();
	/* Two routes, one script: one module in each interpreter. */
	for (i = 0; i < N(groups); i++) {
		fake_init(&f, "GET", "/app/loads", "loads");
		f.req.group = groups[i];
		f.route.prefix = i % 2 == 0 ? "/one" : "/two";
		CU_ASSERT_EQUAL(fake_call(&f), 0);
		CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "loads=1");
		fake_clear(&f);
	}
}

static void
test_wsgi_demo_app(void)
{
	struct fake	 f;
	char		 line[64];
	const char	*body, *a, *b, *c;

	fixture();
	fake_init(&f, "GET", "/demo", NULL);
	f.req.match.script = NULL;
	f.req.group = "~alice";
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_EQUAL(f.req.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "Content-Type: text/plain"));
	body = fake_out_body(&f);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "application group: '~alice'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "interpreter id: "));
	CU_ASSERT_PTR_NULL(strstr(body, "interpreter id: 0\n"));
	snprintf(line, sizeof(line), "pid: %ld\n", (long)getpid());
	CU_ASSERT_PTR_NOT_NULL(strstr(body, line));
	a = strstr(body, "    REQUEST_METHOD = 'GET'\n");
	b = strstr(body, "    SERVER_NAME = 'example.com'\n");
	c = strstr(body, "    wsgi.version = (1, 0)\n");
	CU_ASSERT_TRUE(a != NULL && b != NULL && c != NULL && a < b && b < c);
	fake_clear(&f);

	fake_init(&f, "GET", "/demo", NULL);
	f.req.match.script = NULL;
	f.req.group = "";
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "application group: ''\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "interpreter id: 0\n"));
	fake_clear(&f);
}

static void
test_wsgi_preload(void)
{
	static const char	src[] =
	    "import builtins\n"
	    "N = builtins.__dict__.get('pre_n', 0) + 1\n"
	    "builtins.pre_n = N\n"
	    "def application(environ, sr):\n"
	    "    sr('200 OK', [])\n"
	    "    return [b'loads=%d' % N]\n";
	struct route	 route = { .prefix = "/pre" };
	struct interp	*in;
	struct fake	 f;
	int		 status;

	fixture();
	route.callable = "application";
	route.script = (char *)tmp_file("preload.wsgi", src, strlen(src));
	in = interp_acquire("pre", &status);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL(wsgi_preload(in, &route), 0);
	route.callable = "nope";
	CU_ASSERT_EQUAL(wsgi_preload(in, &route), -1);
	route.script = "/nonexistent/preload.wsgi";
	CU_ASSERT_EQUAL(wsgi_preload(in, &route), -1);
	interp_release(in);
	CU_ASSERT_TRUE(log_has("uri (preload): script "));
	CU_ASSERT_TRUE(log_has("group \"pre\" uri (preload): cannot load "
	    "script /nonexistent/preload.wsgi"));

	fake_init(&f, "GET", "/pre", "application");
	f.req.group = "pre";
	f.req.match.script = (char *)tmp_file("preload.wsgi", src,
	    strlen(src));
	CU_ASSERT_EQUAL(fake_call(&f), 0);
	CU_ASSERT_STRING_EQUAL(fake_out_body(&f), "loads=1");
	fake_clear(&f);
}

#define THREADS_N	4
#define THREADS_ROUNDS	150

/* One thread's share of test_wsgi_threads: its rows, in turn. */
static void *
threads_run(void *arg)
{
	static const char	body[] = "one\ntwo\nthree\n";
	static const struct {
		const char	*group, *callable, *want;
	} t[] = {
		{ "race", "loads", "loads=1" },
		{ "test", "hello", "hello" },
		{ "race", "gen_three", "onetwothree" },
		{ "other", "input_mode",
		    "[b'on', b'e\\n', b'two\\n', b'three\\n']" },
		{ "", "loads", "loads=1" },
	};
	struct fake	 f;
	long		 id = (long)(intptr_t)arg, bad = 0;
	int		 i;
	size_t		 row;

	for (i = 0; i < THREADS_ROUNDS; i++) {
		row = (size_t)(i + id) % N(t);
		fake_init(&f, "POST", "/app/threads", t[row].callable);
		f.req.group = t[row].group;
		fake_body(&f, body, sizeof(body) - 1, sizeof(body) - 1);
		fake_param(&f, "TEST_MODE", "mixed");
		if (fake_run(&f) != 0 ||
		    strcmp(fake_out_body(&f), t[row].want) != 0)
			bad++;
		fake_clear(&f);
	}
	interp_thread_exit();
	return (void *)(intptr_t)bad;
}

static void
test_wsgi_threads(void)
{
	pthread_t	th[THREADS_N];
	void		*bad;
	long		 i;

	fixture();
	apps_path();
	/* Threads race to load the script into the new group "race". */
	for (i = 0; i < THREADS_N; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, threads_run,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS_N; i++) {
		CU_ASSERT_EQUAL(pthread_join(th[i], &bad), 0);
		CU_ASSERT_EQUAL((intptr_t)bad, 0);
	}
}

CU_TestInfo wsgi_tests[] = {
	{ "test_wsgi_hello_one_write", test_wsgi_hello_one_write },
	{ "test_wsgi_environ", test_wsgi_environ },
	{ "test_wsgi_environ_many_headers", test_wsgi_environ_many_headers },
	{ "test_wsgi_url_scheme", test_wsgi_url_scheme },
	{ "test_wsgi_validator_passes", test_wsgi_validator_passes },
	{ "test_wsgi_input_bounded", test_wsgi_input_bounded },
	{ "test_wsgi_input_streams", test_wsgi_input_streams },
	{ "test_wsgi_input_long_line", test_wsgi_input_long_line },
	{ "test_wsgi_start_response_errors",
	    test_wsgi_start_response_errors },
	{ "test_wsgi_start_response_error_catchable",
	    test_wsgi_start_response_error_catchable },
	{ "test_wsgi_exc_info", test_wsgi_exc_info },
	{ "test_wsgi_exception_gives_500", test_wsgi_exception_gives_500 },
	{ "test_wsgi_generator_errors", test_wsgi_generator_errors },
	{ "test_wsgi_streaming_flushes", test_wsgi_streaming_flushes },
	{ "test_wsgi_close_always_called", test_wsgi_close_always_called },
	{ "test_wsgi_write_callable", test_wsgi_write_callable },
	{ "test_wsgi_bad_results", test_wsgi_bad_results },
	{ "test_wsgi_head", test_wsgi_head },
	{ "test_wsgi_file_wrapper", test_wsgi_file_wrapper },
	{ "test_wsgi_content_length", test_wsgi_content_length },
	{ "test_wsgi_errors_stream", test_wsgi_errors_stream },
	{ "test_wsgi_objects_outlive_request",
	    test_wsgi_objects_outlive_request },
	{ "test_wsgi_missing_script_or_callable",
	    test_wsgi_missing_script_or_callable },
	{ "test_wsgi_reload_on_change", test_wsgi_reload_on_change },
	{ "test_wsgi_script_shared_per_group",
	    test_wsgi_script_shared_per_group },
	{ "test_wsgi_demo_app", test_wsgi_demo_app },
	{ "test_wsgi_preload", test_wsgi_preload },
	{ "test_wsgi_threads", test_wsgi_threads },
	CU_TEST_INFO_NULL
};
