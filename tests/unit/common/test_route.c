/* Tests for common/route.c: path derivation, prefix matching and the
 * scripts_dir form, driven from tables (SPEC "A request's way through"). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/route.h"
#include "tests/unit/tests.h"

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* "NAME=value" strings, NULL-terminated. */
struct kv {
	const char	*kv[6];
};

static const char *
kv_get(void *ctx, const char *name)
{
	const struct kv	*t = ctx;
	size_t		 i, len = strlen(name);

	for (i = 0; i < N(t->kv) && t->kv[i] != NULL; i++)
		if (strncmp(t->kv[i], name, len) == 0 && t->kv[i][len] == '=')
			return t->kv[i] + len + 1;
	return NULL;
}

struct path_case {
	const char	*why;
	struct kv	 params;
	const char	*want;		/* NULL: no path */
};

static void
path_run(const struct path_case *t, size_t n)
{
	char	*got;
	size_t	 i;

	for (i = 0; i < n; i++) {
		got = route_path(kv_get, (void *)&t[i].params);
		if (t[i].want == NULL) {
			if (got != NULL)
				fprintf(stderr, "\n%s: got \"%s\", want NULL\n",
				    t[i].why, got);
			CU_ASSERT_PTR_NULL(got);
		} else {
			if (got == NULL || strcmp(got, t[i].want) != 0)
				fprintf(stderr, "\n%s: got \"%s\", want "
				    "\"%s\"\n", t[i].why,
				    got != NULL ? got : "(null)", t[i].want);
			CU_ASSERT_PTR_NOT_NULL(got);
			if (got != NULL)
				CU_ASSERT_STRING_EQUAL(got, t[i].want);
		}
		free(got);
	}
}

/* What nginx and Apache send (NOTES "What the front-ends send"). */
static void
test_route_path_front_ends(void)
{
	static const struct path_case t[] = {
		{ "nginx: SCRIPT_NAME is the decoded, normalised URI",
		    { { "SCRIPT_NAME=/wsgi-scripts/foo/bar",
		    "REQUEST_URI=/wsgi-scripts//foo/./bar?x=1",
		    "DOCUMENT_URI=/wsgi-scripts/foo/bar" } },
		    "/wsgi-scripts/foo/bar" },
		{ "nginx: a space arrives decoded",
		    { { "SCRIPT_NAME=/a b", "REQUEST_URI=/a%20b" } }, "/a b" },
		{ "Apache: SCRIPT_NAME is the full decoded path",
		    { { "SCRIPT_NAME=/app/x y/z",
		    "REQUEST_URI=/app/x%20y/z" } },
		    "/app/x y/z" },
		{ "split SCRIPT_NAME and PATH_INFO",
		    { { "SCRIPT_NAME=/app", "PATH_INFO=/x/y",
		    "REQUEST_URI=/app/x/y" } }, "/app/x/y" },
		{ "PATH_INFO only",
		    { { "SCRIPT_NAME=", "PATH_INFO=/x", "REQUEST_URI=/x" } },
		    "/x" },
		{ "PATH_INFO without SCRIPT_NAME",
		    { { "PATH_INFO=/x", "DOCUMENT_URI=/doc" } }, "/x" },
		{ "the front-end's view wins over REQUEST_URI",
		    { { "SCRIPT_NAME=/b", "REQUEST_URI=/a" } }, "/b" },
		{ "SCRIPT_NAME '/'", { { "SCRIPT_NAME=/" } }, "/" },
		{ "DOCUMENT_URI when both are empty",
		    { { "SCRIPT_NAME=", "PATH_INFO=", "DOCUMENT_URI=/doc/x",
		    "REQUEST_URI=/other" } }, "/doc/x" },
		{ "DOCUMENT_URI only", { { "DOCUMENT_URI=/doc" } }, "/doc" },
		{ "a relative SCRIPT_NAME is no path",
		    { { "SCRIPT_NAME=x", "DOCUMENT_URI=/doc" } }, "/doc" },
	};

	path_run(t, N(t));
}

/* The last resort: REQUEST_URI's path, percent-decoded. */
static void
test_route_path_request_uri(void)
{
	static const struct path_case t[] = {
		{ "plain", { { "REQUEST_URI=/a/b" } }, "/a/b" },
		{ "query string dropped",
		    { { "REQUEST_URI=/a/b?x=1&y=%zz" } }, "/a/b" },
		{ "fragment dropped", { { "REQUEST_URI=/a#top" } }, "/a" },
		{ "%20", { { "REQUEST_URI=/a%20b" } }, "/a b" },
		{ "%2F decodes to '/'", { { "REQUEST_URI=/a%2Fb" } }, "/a/b" },
		{ "lower-case hex", { { "REQUEST_URI=/a%2fb" } }, "/a/b" },
		{ "UTF-8", { { "REQUEST_URI=/%E2%82%AC" } }, "/\xe2\x82\xac" },
		{ "%25 is a literal '%'", { { "REQUEST_URI=/100%25" } },
		    "/100%" },
		{ "decoded once only", { { "REQUEST_URI=/%252F" } }, "/%2F" },
		{ "double slashes kept", { { "REQUEST_URI=//a//b" } },
		    "//a//b" },
		{ "empty SCRIPT_NAME falls through",
		    { { "SCRIPT_NAME=", "REQUEST_URI=/r" } }, "/r" },
		{ "bad escape", { { "REQUEST_URI=/a%zz" } }, NULL },
		{ "half an escape", { { "REQUEST_URI=/a%2" } }, NULL },
		{ "escape cut by the query", { { "REQUEST_URI=/a%2?x" } },
		    NULL },
		{ "lone percent", { { "REQUEST_URI=/a%" } }, NULL },
		{ "NUL", { { "REQUEST_URI=/a%00b" } }, NULL },
		{ "not a path", { { "REQUEST_URI=*" } }, NULL },
		{ "absolute-form", { { "REQUEST_URI=http://h/a" } }, NULL },
		{ "decodes to no leading '/'", { { "REQUEST_URI=%2Fa" } },
		    NULL },
		{ "nothing at all", { { NULL } }, NULL },
		{ "empty everything",
		    { { "SCRIPT_NAME=", "PATH_INFO=", "DOCUMENT_URI=",
		    "REQUEST_URI=" } }, NULL },
	};

	path_run(t, N(t));
}

static void
test_route_prefix_normalize(void)
{
	static const struct {
		const char	*in;
		const char	*want;	/* NULL: refused */
	} t[] = {
		{ "/", "/" },
		{ "/a", "/a" },
		{ "/a/b/", "/a/b" },
		{ "//a", "/a" },
		{ "/a//b//", "/a/b" },
		{ "///", "/" },
		{ "/~", "/~" },
		{ "/.well-known", "/.well-known" },
		{ "/a/...", "/a/..." },
		{ "/a b", "/a b" },
		{ "/caf\xc3\xa9", "/caf\xc3\xa9" },
		{ "", NULL },
		{ "a", NULL },
		{ "a/", NULL },
		{ "/.", NULL },
		{ "/a/./b", NULL },
		{ "/a/..", NULL },
		{ "/../a", NULL },
		{ "/a/../", NULL },
		{ "/a%20b", NULL },
		{ "/a?b", NULL },
		{ "/a#b", NULL },
		{ "/a\tb", NULL },
		{ "/a\x7f", NULL },
	};
	const char	*err;
	char		 buf[64];
	size_t		 i;
	int		 rc;

	for (i = 0; i < N(t); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		err = NULL;
		rc = route_prefix_normalize(buf, &err);
		if (t[i].want == NULL) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_PTR_NOT_NULL(err);
			CU_ASSERT_STRING_EQUAL(buf, t[i].in);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_STRING_EQUAL(buf, t[i].want);
		}
	}
	err = NULL;
	CU_ASSERT_EQUAL(route_prefix_normalize(NULL, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err);
}

static struct route find_routes[] = {
	{ .prefix = "/foo", .script = "/srv/foo.wsgi" },
	{ .prefix = "/foo/bar", .script = "/srv/foobar.wsgi" },
	{ .prefix = "/foo/bar/baz", .script = "/srv/baz.wsgi" },
	{ .prefix = "/~", .script = "/srv/tilde.wsgi" },
	{ .prefix = "/a b", .script = "/srv/space.wsgi" },
};

static void
test_route_find(void)
{
	static const struct {
		const char	*path;
		const char	*want;	/* prefix, or NULL */
	} t[] = {
		{ "/foo", "/foo" },
		{ "/foo/", "/foo" },
		{ "/foo/x", "/foo" },
		{ "/foobar", NULL },
		{ "/fo", NULL },
		{ "/foo/bar", "/foo/bar" },
		{ "/foo/bar/", "/foo/bar" },
		{ "/foo/barx", "/foo" },
		{ "/foo/bar/baz/q", "/foo/bar/baz" },
		{ "/foo/bar/bazq", "/foo/bar" },
		{ "//foo", "/foo" },
		{ "/foo//bar", "/foo/bar" },
		{ "//foo///bar//", "/foo/bar" },
		{ "/~", "/~" },
		{ "/~/x", "/~" },
		{ "/~alice", NULL },
		{ "/a b/c", "/a b" },
		{ "/FOO", NULL },
		{ "/", NULL },
		{ "", NULL },
		{ "foo", NULL },
	};
	const struct route	*r;
	size_t			 i;

	for (i = 0; i < N(t); i++) {
		r = route_find(find_routes, N(find_routes), t[i].path);
		if (t[i].want == NULL) {
			if (r != NULL)
				fprintf(stderr, "\n%s: got %s, want none\n",
				    t[i].path, r->prefix);
			CU_ASSERT_PTR_NULL(r);
		} else {
			CU_ASSERT_PTR_NOT_NULL(r);
			if (r != NULL)
				CU_ASSERT_STRING_EQUAL(r->prefix, t[i].want);
		}
	}
	CU_ASSERT_PTR_NULL(route_find(find_routes, N(find_routes), NULL));
	CU_ASSERT_PTR_NULL(route_find(NULL, 0, "/foo"));
}

/* "/" matches everything; a longer prefix still wins, in any order. */
static void
test_route_find_root(void)
{
	struct route	 r[] = {
		{ .prefix = "/app", .script = "/srv/app.wsgi" },
		{ .prefix = "/", .script = "/srv/site.wsgi" },
	};

	CU_ASSERT_PTR_EQUAL(route_find(r, 2, "/"), &r[1]);
	CU_ASSERT_PTR_EQUAL(route_find(r, 2, "/x"), &r[1]);
	CU_ASSERT_PTR_EQUAL(route_find(r, 2, "//x"), &r[1]);
	CU_ASSERT_PTR_EQUAL(route_find(r, 2, "/application"), &r[1]);
	CU_ASSERT_PTR_EQUAL(route_find(r, 2, "/app"), &r[0]);
	CU_ASSERT_PTR_EQUAL(route_find(r, 2, "/app/x"), &r[0]);
	CU_ASSERT_PTR_EQUAL(route_find(&r[1], 1, "/app/x"), &r[1]);
	CU_ASSERT_PTR_NULL(route_find(r, 2, "x"));
}

struct resolve_case {
	const char	*path;
	int		 rc;
	const char	*script_name;
	const char	*path_info;
	const char	*script;	/* NULL: the demo app */
};

static void
resolve_run(const struct route *routes, size_t nroutes,
    const struct resolve_case *t, size_t n)
{
	struct route_match	m;
	size_t			i;
	int			rc;

	for (i = 0; i < n; i++) {
		memset(&m, 0xa5, sizeof(m));
		rc = route_resolve(routes, nroutes, t[i].path, &m);
		if (rc != t[i].rc)
			fprintf(stderr, "\n%s: got %d, want %d\n", t[i].path,
			    rc, t[i].rc);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (rc != 0) {
			CU_ASSERT_PTR_NULL(m.script_name);
			CU_ASSERT_PTR_NULL(m.path_info);
			CU_ASSERT_PTR_NULL(m.script);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(m.route);
		CU_ASSERT_STRING_EQUAL(m.script_name, t[i].script_name);
		CU_ASSERT_STRING_EQUAL(m.path_info, t[i].path_info);
		if (t[i].script == NULL) {
			CU_ASSERT_PTR_NULL(m.script);
		} else if (m.script == NULL) {
			CU_FAIL("no script");
		} else {
			CU_ASSERT_STRING_EQUAL(m.script, t[i].script);
		}
		if (t[i].script_name != NULL && strcmp(m.script_name,
		    t[i].script_name) != 0)
			fprintf(stderr, "\n%s: script_name \"%s\"\n",
			    t[i].path, m.script_name);
		route_match_clear(&m);
		CU_ASSERT_PTR_NULL(m.script_name);
	}
}

static void
test_route_resolve_script(void)
{
	static struct route r[] = {
		{ .prefix = "/wsgi-scripts/foo",
		    .script = "/srv/foo/app.wsgi" },
		{ .prefix = "/demo" },
		{ .prefix = "/", .script = "/srv/site/app.wsgi" },
	};
	static const struct resolve_case t[] = {
		{ "/wsgi-scripts/foo", 0, "/wsgi-scripts/foo", "",
		    "/srv/foo/app.wsgi" },
		{ "/wsgi-scripts/foo/", 0, "/wsgi-scripts/foo", "/",
		    "/srv/foo/app.wsgi" },
		{ "/wsgi-scripts/foo/bar", 0, "/wsgi-scripts/foo", "/bar",
		    "/srv/foo/app.wsgi" },
		{ "/wsgi-scripts/foo//bar", 0, "/wsgi-scripts/foo", "//bar",
		    "/srv/foo/app.wsgi" },
		{ "//wsgi-scripts//foo", 0, "/wsgi-scripts/foo", "",
		    "/srv/foo/app.wsgi" },
		{ "/wsgi-scripts/foobar", 0, "", "/wsgi-scripts/foobar",
		    "/srv/site/app.wsgi" },
		{ "/", 0, "", "/", "/srv/site/app.wsgi" },
		{ "/~alice/x", 0, "", "/~alice/x", "/srv/site/app.wsgi" },
		{ "//x", 0, "", "//x", "/srv/site/app.wsgi" },
		{ "/demo/x", 0, "/demo", "/x", NULL },
		{ "/demo", 0, "/demo", "", NULL },
	};
	static const struct resolve_case none[] = {
		{ "/x", 404, NULL, NULL, NULL },
		{ "", 404, NULL, NULL, NULL },
	};

	resolve_run(r, N(r), t, N(t));
	resolve_run(r, 2, none, N(none));
	resolve_run(r, N(r), (const struct resolve_case[]){
	    { NULL, 404, NULL, NULL, NULL } }, 1);
}

/* A scratch scripts_dir with the files the cases below need. */
static char	scripts_tmp[PATH_MAX];
static char	scripts_dir[PATH_MAX + 16];

static int
make_file(const char *dir, const char *name)
{
	char	path[PATH_MAX * 2];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
make_scripts_dir(void)
{
	char	path[PATH_MAX * 2];
	size_t	i;
	static const char *const files[] = {
		"hello.wsgi", "hello.py", "pyonly.py", "wsgionly.wsgi",
		".hidden.wsgi", "a..b.wsgi", "sub/inner.wsgi", "a b.wsgi",
		"caf\xc3\xa9.wsgi", "HELLO.py",
	};

	snprintf(scripts_tmp, sizeof(scripts_tmp),
	    "/tmp/pyfpm-test-route-XXXXXX");
	if (mkdtemp(scripts_tmp) == NULL)
		return -1;
	snprintf(scripts_dir, sizeof(scripts_dir), "%s/scripts", scripts_tmp);
	snprintf(path, sizeof(path), "%s/sub", scripts_dir);
	if (mkdir(scripts_dir, 0755) == -1 || mkdir(path, 0755) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/dir.wsgi", scripts_dir);
	if (mkdir(path, 0755) == -1)
		return -1;
	for (i = 0; i < N(files); i++)
		if (make_file(scripts_dir, files[i]) == -1)
			return -1;
	/* Outside the directory: must never be reached. */
	if (make_file(scripts_tmp, "secret.wsgi") == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/out.wsgi", scripts_dir);
	if (symlink("../secret.wsgi", path) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/in.wsgi", scripts_dir);
	if (symlink("hello.wsgi", path) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/deep.wsgi", scripts_dir);
	if (symlink("sub/inner.wsgi", path) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/dangling.wsgi", scripts_dir);
	if (symlink("nowhere.wsgi", path) == -1)
		return -1;
	return 0;
}

static void
remove_scripts_dir(void)
{
	static const char *const names[] = {
		"scripts/hello.wsgi", "scripts/hello.py", "scripts/pyonly.py",
		"scripts/wsgionly.wsgi", "scripts/.hidden.wsgi",
		"scripts/a..b.wsgi", "scripts/sub/inner.wsgi",
		"scripts/a b.wsgi", "scripts/caf\xc3\xa9.wsgi",
		"scripts/HELLO.py", "scripts/out.wsgi", "scripts/in.wsgi",
		"scripts/deep.wsgi", "scripts/dangling.wsgi", "secret.wsgi",
	};
	static const char *const dirs[] = {
		"scripts/sub", "scripts/dir.wsgi", "scripts", "",
	};
	char	path[PATH_MAX * 2];
	size_t	i;

	for (i = 0; i < N(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", scripts_tmp, names[i]);
		unlink(path);
	}
	for (i = 0; i < N(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", scripts_tmp, dirs[i]);
		rmdir(path);
	}
}

#define S(name)	(scripts_dir_path(name))

static const char *
scripts_dir_path(const char *name)
{
	static char	buf[16][PATH_MAX * 2];
	static int	next;

	/* A ring: one table initialiser holds up to 16 of them at once. */
	next = (next + 1) % 16;
	snprintf(buf[next], sizeof(buf[next]), "%s/%s", scripts_dir, name);
	return buf[next];
}

static void
test_route_scripts_dir(void)
{
	struct route	r[] = {
		{ .prefix = "/scripts", .scripts_dir = scripts_dir },
		{ .prefix = "/app", .script = "/srv/app.wsgi" },
	};
	const struct resolve_case t[] = {
		{ "/scripts/hello", 0, "/scripts/hello", "",
		    S("hello.wsgi") },
		{ "/scripts/hello/", 0, "/scripts/hello", "/",
		    S("hello.wsgi") },
		{ "/scripts/hello/a/b", 0, "/scripts/hello", "/a/b",
		    S("hello.wsgi") },
		{ "/scripts//hello//a", 0, "/scripts/hello", "//a",
		    S("hello.wsgi") },
		{ "/scripts/pyonly/x", 0, "/scripts/pyonly", "/x",
		    S("pyonly.py") },
		{ "/scripts/wsgionly", 0, "/scripts/wsgionly", "",
		    S("wsgionly.wsgi") },
		{ "/scripts/HELLO", 0, "/scripts/HELLO", "", S("HELLO.py") },
		{ "/scripts/a b/c", 0, "/scripts/a b", "/c", S("a b.wsgi") },
		{ "/scripts/caf\xc3\xa9", 0, "/scripts/caf\xc3\xa9", "",
		    S("caf\xc3\xa9.wsgi") },
		{ "/scripts/in", 0, "/scripts/in", "", S("in.wsgi") },
		{ "/scripts", 404, NULL, NULL, NULL },
		{ "/scripts/", 404, NULL, NULL, NULL },
		{ "/scripts//", 404, NULL, NULL, NULL },
		{ "/scripts/missing", 404, NULL, NULL, NULL },
		{ "/scripts/hello.wsgi", 404, NULL, NULL, NULL },
		{ "/scripts/..", 404, NULL, NULL, NULL },
		{ "/scripts/../secret", 404, NULL, NULL, NULL },
		{ "/scripts/./hello", 404, NULL, NULL, NULL },
		{ "/scripts/.hidden", 404, NULL, NULL, NULL },
		{ "/scripts/a..b", 404, NULL, NULL, NULL },
		{ "/scripts/sub", 404, NULL, NULL, NULL },
		{ "/scripts/sub/inner", 404, NULL, NULL, NULL },
		{ "/scripts/dir", 404, NULL, NULL, NULL },
		{ "/scripts/out", 404, NULL, NULL, NULL },
		{ "/scripts/deep", 404, NULL, NULL, NULL },
		{ "/scripts/dangling", 404, NULL, NULL, NULL },
		{ "/scripts//etc/passwd", 404, NULL, NULL, NULL },
		{ "/scriptsx/hello", 404, NULL, NULL, NULL },
		{ "/app/x", 0, "/app", "/x", "/srv/app.wsgi" },
	};

	resolve_run(r, N(r), t, N(t));
}

/* %00, %2F and ".." reach route_resolve only as route_path decodes them. */
static void
test_route_scripts_dir_encoded(void)
{
	struct route		 r[] = {
		{ .prefix = "/scripts", .scripts_dir = scripts_dir },
	};
	static const struct {
		const char	*uri;
		int		 rc;	/* -2: route_path refuses */
	} t[] = {
		{ "/scripts/hello%00.py", -2 },
		{ "/scripts/hello%00", -2 },
		{ "/scripts/..%2Fsecret", 404 },
		{ "/scripts/%2E%2E/secret", 404 },
		{ "/scripts/%2e%2e%2fsecret", 404 },
		{ "/scripts/%2Fhello", 0 },
		{ "/scripts/hel%6Co", 0 },
		{ "/scripts/sub%2Finner", 404 },
	};
	struct route_match	 m;
	struct kv		 params;
	char			 uri[128], *path;
	size_t			 i;
	int			 rc;

	for (i = 0; i < N(t); i++) {
		memset(&params, 0, sizeof(params));
		snprintf(uri, sizeof(uri), "REQUEST_URI=%s", t[i].uri);
		params.kv[0] = uri;
		path = route_path(kv_get, &params);
		if (t[i].rc == -2) {
			CU_ASSERT_PTR_NULL(path);
			free(path);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(path);
		rc = route_resolve(r, N(r), path, &m);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (rc == 0)
			CU_ASSERT_STRING_EQUAL(m.script, S("hello.wsgi"));
		route_match_clear(&m);
		free(path);
	}
}

/* A scripts_dir on "/": SCRIPT_NAME is "/NAME". */
static void
test_route_scripts_dir_root(void)
{
	struct route	r[] = {
		{ .prefix = "/", .scripts_dir = scripts_dir },
	};
	const struct resolve_case t[] = {
		{ "/hello/x", 0, "/hello", "/x", S("hello.wsgi") },
		{ "//hello", 0, "/hello", "", S("hello.wsgi") },
		{ "/", 404, NULL, NULL, NULL },
		{ "/../secret", 404, NULL, NULL, NULL },
	};

	resolve_run(r, N(r), t, N(t));
}

static void
test_route_match_clear_zeroed(void)
{
	struct route_match	m;

	memset(&m, 0, sizeof(m));
	route_match_clear(&m);
	CU_ASSERT_PTR_NULL(m.script);
}

/* Runs the scripts_dir tests around one scratch directory. */
static void
test_route_scripts_dir_all(void)
{
	CU_ASSERT_FATAL(make_scripts_dir() == 0);
	test_route_scripts_dir();
	test_route_scripts_dir_encoded();
	test_route_scripts_dir_root();
	remove_scripts_dir();
	CU_ASSERT(access(scripts_tmp, F_OK) == -1 && errno == ENOENT);
}

CU_TestInfo route_tests[] = {
	{ "test_route_path_front_ends", test_route_path_front_ends },
	{ "test_route_path_request_uri", test_route_path_request_uri },
	{ "test_route_prefix_normalize", test_route_prefix_normalize },
	{ "test_route_find", test_route_find },
	{ "test_route_find_root", test_route_find_root },
	{ "test_route_resolve_script", test_route_resolve_script },
	{ "test_route_scripts_dir", test_route_scripts_dir_all },
	{ "test_route_match_clear_zeroed", test_route_match_clear_zeroed },
	CU_TEST_INFO_NULL
};
