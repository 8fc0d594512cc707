/* Tests for common/group.c: every example of WSGIApplicationGroup.rst and of
 * SPEC "Group names" is a row of a table. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/group.h"
#include "common/log.h"
#include "tests/unit/tests.h"

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* "NAME=value" strings, NULL-terminated. */
struct kv {
	const char	*kv[6];
};

struct group_case {
	const char	*why;
	const char	*tmpl;
	struct kv	 params;
	struct kv	 env;
	const char	*script_name;
	const char	*want;
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

static void
group_run(const struct group_case *t, size_t n)
{
	char	*got;
	size_t	 i;

	for (i = 0; i < n; i++) {
		got = group_expand(t[i].tmpl, kv_get, (void *)&t[i].params,
		    kv_get, (void *)&t[i].env, t[i].script_name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		if (strcmp(got, t[i].want) != 0)
			fprintf(stderr, "\n%s: %s: got \"%s\", want \"%s\"\n",
			    t[i].why, t[i].tmpl, got, t[i].want);
		CU_ASSERT_STRING_EQUAL(got, t[i].want);
		free(got);
	}
}

#define EXAMPLE	"SERVER_NAME=www.example.com"
#define FOO	"/wsgi-scripts/foo"

/* WSGIApplicationGroup.rst, each example sentence. */
static void
test_group_rst_examples(void)
{
	static const struct group_case t[] = {
		{ "GLOBAL: the empty string", "%{GLOBAL}",
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, FOO,
		    "" },
		{ "SERVER on the standard HTTP port", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=80" } }, { { NULL } }, FOO,
		    "www.example.com" },
		{ "SERVER on the standard HTTPS port", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=443", "HTTPS=on" } },
		    { { NULL } }, FOO, "www.example.com" },
		{ "SERVER on 8080", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, FOO,
		    "www.example.com:8080" },
		{ "RESOURCE on 8080", "%{RESOURCE}",
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, FOO,
		    "www.example.com:8080|/wsgi-scripts/foo" },
		{ "RewriteRule [E=APPLICATION_GROUP:~%1] for /~alice",
		    "%{ENV:APPLICATION_GROUP}",
		    { { EXAMPLE, "SERVER_PORT=80",
		    "APPLICATION_GROUP=~alice" } }, { { NULL } }, "",
		    "~alice" },
		{ "ENV: getenv() when not in the request",
		    "%{ENV:APPLICATION_GROUP}",
		    { { EXAMPLE, "SERVER_PORT=80" } },
		    { { "APPLICATION_GROUP=from-env" } }, "", "from-env" },
		{ "Default: %{RESOURCE}", NULL,
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, FOO,
		    "www.example.com:8080|/wsgi-scripts/foo" },
		{ "an explicit name of your own choosing", "my-app",
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, FOO,
		    "my-app" },
	};

	group_run(t, N(t));
}

/* SPEC "Group names": the table and its examples. */
static void
test_group_spec_examples(void)
{
	static const struct group_case t[] = {
		{ "www.example.com on 80", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=80" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "www.example.com on 443", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=443" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "www.example.com on 8080", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, "",
		    "www.example.com:8080" },
		{ "RESOURCE for /wsgi-scripts/foo on 8080", "%{RESOURCE}",
		    { { EXAMPLE, "SERVER_PORT=8080" } }, { { NULL } }, FOO,
		    "www.example.com:8080|/wsgi-scripts/foo" },
		{ "RESOURCE on 80", "%{RESOURCE}",
		    { { EXAMPLE, "SERVER_PORT=80" } }, { { NULL } }, FOO,
		    "www.example.com|/wsgi-scripts/foo" },
		{ "RESOURCE on 443", "%{RESOURCE}",
		    { { EXAMPLE, "SERVER_PORT=443" } }, { { NULL } }, FOO,
		    "www.example.com|/wsgi-scripts/foo" },
		{ "RESOURCE of the root route", "%{RESOURCE}",
		    { { EXAMPLE, "SERVER_PORT=80" } }, { { NULL } }, "",
		    "www.example.com|" },
		{ "GLOBAL is the main interpreter", "%{GLOBAL}",
		    { { EXAMPLE } }, { { NULL } }, "", "" },
		{ "front-end sets APPLICATION_GROUP=~alice",
		    "%{ENV:APPLICATION_GROUP}",
		    { { "APPLICATION_GROUP=~alice" } }, { { NULL } }, "",
		    "~alice" },
		{ "nginx fastcgi_param", "%{ENV:APP}",
		    { { "APP=blog" } }, { { NULL } }, "", "blog" },
		{ "request param wins over the env", "%{ENV:APP}",
		    { { "APP=from-request" } }, { { "APP=from-env" } }, "",
		    "from-request" },
		{ "env: entry when the request has none", "%{ENV:APP}",
		    { { EXAMPLE } }, { { "APP=from-env" } }, "", "from-env" },
		{ "SetEnv APPLICATION_GROUP %{GLOBAL}",
		    "%{ENV:APPLICATION_GROUP}",
		    { { "APPLICATION_GROUP=%{GLOBAL}" } }, { { NULL } }, "",
		    "" },
		{ "env: APPLICATION_GROUP %{GLOBAL}",
		    "%{ENV:APPLICATION_GROUP}", { { EXAMPLE } },
		    { { "APPLICATION_GROUP=%{GLOBAL}" } }, "", "" },
		{ "a value of %{SERVER} is expanded once more", "%{ENV:G}",
		    { { EXAMPLE, "SERVER_PORT=8080", "G=%{SERVER}" } },
		    { { NULL } }, FOO, "www.example.com:8080" },
		{ "a value of %{RESOURCE} is expanded once more", "%{ENV:G}",
		    { { EXAMPLE, "SERVER_PORT=8080", "G=%{RESOURCE}" } },
		    { { NULL } }, FOO,
		    "www.example.com:8080|/wsgi-scripts/foo" },
		{ "a value of %{HOST} is expanded once more", "%{ENV:G}",
		    { { EXAMPLE, "HTTP_HOST=A.example", "G=%{HOST}" } },
		    { { NULL } }, FOO, "a.example" },
		{ "a value of %{ENV:...} is not expanded again", "%{ENV:G}",
		    { { "G=%{ENV:H}", "H=deep" } }, { { NULL } }, "",
		    "%{ENV:H}" },
		{ "an expanded value is expanded only once", "%{ENV:G}",
		    { { "G=%{ENV:G}" } }, { { NULL } }, "", "%{ENV:G}" },
		{ "an unknown token in a value is literal", "%{ENV:G}",
		    { { "G=%{NOPE}" } }, { { NULL } }, "", "%{NOPE}" },
		{ "a value that only contains a token is literal", "%{ENV:G}",
		    { { "G=x%{GLOBAL}" } }, { { NULL } }, "", "x%{GLOBAL}" },
		{ "an empty value is found: the main interpreter",
		    "%{ENV:APPLICATION_GROUP}",
		    { { "APPLICATION_GROUP=" } }, { { "APPLICATION_GROUP=x" } },
		    "", "" },
		{ "found nowhere: the literal text",
		    "%{ENV:APPLICATION_GROUP}", { { EXAMPLE } }, { { NULL } },
		    "", "%{ENV:APPLICATION_GROUP}" },
	};

	group_run(t, N(t));
}

/* "Names are case-sensitive.  An unknown %{...} token is taken literally." */
static void
test_group_literal_names(void)
{
	static const struct group_case t[] = {
		{ "plain name", "myapp", { { EXAMPLE } }, { { NULL } }, FOO,
		    "myapp" },
		{ "empty template", "", { { EXAMPLE } }, { { NULL } }, FOO,
		    "" },
		{ "name with a '|'", "a|b", { { EXAMPLE } }, { { NULL } }, FOO,
		    "a|b" },
		{ "unknown token", "%{UNKNOWN}", { { EXAMPLE } }, { { NULL } },
		    FOO, "%{UNKNOWN}" },
		{ "lower-case GLOBAL", "%{global}", { { EXAMPLE } },
		    { { NULL } }, FOO, "%{global}" },
		{ "mixed-case Server", "%{Server}", { { EXAMPLE } },
		    { { NULL } }, FOO, "%{Server}" },
		{ "lower-case env", "%{env:APP}", { { "APP=x" } },
		    { { NULL } }, FOO, "%{env:APP}" },
		{ "token with a suffix", "%{GLOBAL}x", { { EXAMPLE } },
		    { { NULL } }, FOO, "%{GLOBAL}x" },
		{ "token with a prefix", "x%{GLOBAL}", { { EXAMPLE } },
		    { { NULL } }, FOO, "x%{GLOBAL}" },
		{ "token with a space", "%{GLOBAL} ", { { EXAMPLE } },
		    { { NULL } }, FOO, "%{GLOBAL} " },
		{ "two tokens", "%{SERVER}%{GLOBAL}", { { EXAMPLE } },
		    { { NULL } }, FOO, "%{SERVER}%{GLOBAL}" },
		{ "ENV without a name", "%{ENV:}", { { "=x" } },
		    { { NULL } }, FOO, "%{ENV:}" },
		{ "ENV without its brace", "%{ENV:APP", { { "APP=x" } },
		    { { NULL } }, FOO, "%{ENV:APP" },
		{ "ENV names are case-sensitive", "%{ENV:app}",
		    { { "APP=x" } }, { { "APP=y" } }, FOO, "%{ENV:app}" },
		{ "a bare percent", "%", { { EXAMPLE } }, { { NULL } }, FOO,
		    "%" },
		{ "percent, no brace", "%GLOBAL", { { EXAMPLE } },
		    { { NULL } }, FOO, "%GLOBAL" },
	};

	group_run(t, N(t));
}

/* %{HOST}: Host lower-cased without its port, then SERVER_PORT's rule. */
static void
test_group_host(void)
{
	static const struct group_case t[] = {
		{ "Host on 80", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=80",
		    "HTTP_HOST=www.example.com" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "Host on 443", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=443",
		    "HTTP_HOST=www.example.com" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "Host with its port on 8080", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=8080",
		    "HTTP_HOST=www.example.com:8080" } }, { { NULL } }, "",
		    "www.example.com:8080" },
		{ "Host's port is dropped, SERVER_PORT's is used", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=80",
		    "HTTP_HOST=www.example.com:8080" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "Host is lower-cased", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=80",
		    "HTTP_HOST=WWW.Example.COM" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "Host's trailing dot is dropped", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=80",
		    "HTTP_HOST=www.example.com.:80" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "IPv6 Host with a port", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=8080",
		    "HTTP_HOST=[::1]:8080" } }, { { NULL } }, "",
		    "[::1]:8080" },
		{ "IPv6 Host without a port", "%{HOST}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=443",
		    "HTTP_HOST=[FE80::1]" } }, { { NULL } }, "", "[fe80::1]" },
		{ "no Host: SERVER_NAME", "%{HOST}",
		    { { "SERVER_NAME=srv.example", "SERVER_PORT=8080" } },
		    { { NULL } }, "", "srv.example:8080" },
		{ "empty Host: SERVER_NAME", "%{HOST}",
		    { { "SERVER_NAME=srv.example", "SERVER_PORT=80",
		    "HTTP_HOST=" } }, { { NULL } }, "", "srv.example" },
		{ "no SERVER_PORT: no suffix", "%{HOST}",
		    { { "HTTP_HOST=a.example:81" } }, { { NULL } }, "",
		    "a.example" },
		{ "HOST is not SERVER", "%{SERVER}",
		    { { "SERVER_NAME=srv", "SERVER_PORT=80",
		    "HTTP_HOST=www.example.com" } }, { { NULL } }, "", "srv" },
	};

	group_run(t, N(t));
}

/* Missing params: no crash, and the port rule with an absent port. */
static void
test_group_missing_params(void)
{
	static const struct group_case t[] = {
		{ "no SERVER_PORT", "%{SERVER}", { { EXAMPLE } },
		    { { NULL } }, "", "www.example.com" },
		{ "empty SERVER_PORT", "%{SERVER}",
		    { { EXAMPLE, "SERVER_PORT=" } }, { { NULL } }, "",
		    "www.example.com" },
		{ "no SERVER_NAME", "%{SERVER}", { { "SERVER_PORT=81" } },
		    { { NULL } }, "", ":81" },
		{ "nothing at all", "%{RESOURCE}", { { NULL } }, { { NULL } },
		    "/x", "|/x" },
		{ "no script_name", "%{RESOURCE}",
		    { { EXAMPLE, "SERVER_PORT=80" } }, { { NULL } }, NULL,
		    "www.example.com|" },
	};

	group_run(t, N(t));
}

/* env == NULL means getenv(), and a NULL param function means none. */
static void
test_group_getenv_fallback(void)
{
	struct kv	 params = { { "OTHER=1" } };
	char		*got;

	CU_ASSERT_EQUAL_FATAL(setenv("PYFPM_TEST_GROUP", "from-getenv", 1), 0);
	got = group_expand("%{ENV:PYFPM_TEST_GROUP}", kv_get, &params, NULL,
	    NULL, "/x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "from-getenv");
	free(got);

	CU_ASSERT_EQUAL_FATAL(setenv("PYFPM_TEST_GROUP", "%{GLOBAL}", 1), 0);
	got = group_expand("%{ENV:PYFPM_TEST_GROUP}", NULL, NULL, NULL, NULL,
	    "/x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "");
	free(got);
	unsetenv("PYFPM_TEST_GROUP");

	got = group_expand("%{SERVER}", NULL, NULL, NULL, NULL, "/x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "");
	free(got);
}

/* A long variable name goes through the heap path. */
static void
test_group_long_env_name(void)
{
	char	 tmpl[400], kv[400], *got;
	struct kv params;

	memset(&params, 0, sizeof(params));
	snprintf(tmpl, sizeof(tmpl), "%%{ENV:%0300d}", 7);
	snprintf(kv, sizeof(kv), "%0300d=long", 7);
	params.kv[0] = kv;
	got = group_expand(tmpl, kv_get, &params, kv_get, &params, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "long");
	free(got);
}

static void
test_group_kind(void)
{
	static const struct {
		const char	*tmpl;
		enum group_kind	 kind;
		bool		 client;
	} t[] = {
		{ "%{GLOBAL}", GROUP_GLOBAL, false },
		{ "%{SERVER}", GROUP_SERVER, false },
		{ "%{RESOURCE}", GROUP_RESOURCE, false },
		{ "%{HOST}", GROUP_HOST, false },
		{ "%{ENV:APPLICATION_GROUP}", GROUP_ENV, false },
		{ "%{ENV:HTTP_HOST}", GROUP_ENV, true },
		{ "%{ENV:HTTP_X_GROUP}", GROUP_ENV, true },
		{ "%{ENV:http_host}", GROUP_ENV, false },
		{ "%{ENV:XHTTP_HOST}", GROUP_ENV, false },
		{ "%{ENV:}", GROUP_LITERAL, false },
		{ "%{ENV:HTTP_HOST", GROUP_LITERAL, false },
		{ "%{global}", GROUP_LITERAL, false },
		{ "%{GLOBAL} ", GROUP_LITERAL, false },
		{ "x%{GLOBAL}", GROUP_LITERAL, false },
		{ "%{UNKNOWN}", GROUP_LITERAL, false },
		{ "HTTP_HOST", GROUP_LITERAL, false },
		{ "", GROUP_LITERAL, false },
		{ NULL, GROUP_LITERAL, false },
	};
	size_t	i;

	for (i = 0; i < N(t); i++) {
		CU_ASSERT_EQUAL(group_kind(t[i].tmpl), t[i].kind);
		CU_ASSERT_EQUAL(group_is_client_controlled(t[i].tmpl),
		    t[i].client);
	}
}

#define WARN_THREADS	4
#define WARN_ROUNDS	50

static void *
warn_thread(void *arg)
{
	char	*got;
	int	 i;

	for (i = 0; i < WARN_ROUNDS; i++) {
		got = group_expand("%{ENV:PYFPM_TEST_THREADED}", NULL, NULL,
		    NULL, NULL, "");
		if (got == NULL || strcmp(got, "%{ENV:PYFPM_TEST_THREADED}"))
			*(int *)arg = 1;
		free(got);
	}
	return NULL;
}

static int
count_in_file(const char *path, const char *needle)
{
	char	 line[1024];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

/* A missing name is logged once per name per process, from any thread. */
static void
test_group_warns_once(void)
{
	char		 path[] = "/tmp/pyfpm-test-group-XXXXXX";
	pthread_t	 th[WARN_THREADS];
	int		 fd, i, bad = 0;
	char		*got;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	close(fd);
	CU_ASSERT_FATAL(log_open(path) == 0);
	log_init(LOG_LEVEL_WARN, NULL);
	for (i = 0; i < 3; i++) {
		got = group_expand("%{ENV:PYFPM_TEST_MISSING}", NULL, NULL,
		    NULL, NULL, "");
		CU_ASSERT_STRING_EQUAL(got, "%{ENV:PYFPM_TEST_MISSING}");
		free(got);
	}
	for (i = 0; i < WARN_THREADS; i++)
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, warn_thread,
		    &bad) == 0);
	for (i = 0; i < WARN_THREADS; i++)
		pthread_join(th[i], NULL);
	log_init(LOG_LEVEL_ERROR, NULL);
	log_open("-");
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(count_in_file(path, "%{ENV:PYFPM_TEST_MISSING}"), 1);
	CU_ASSERT_EQUAL(count_in_file(path, "%{ENV:PYFPM_TEST_THREADED}"), 1);
	unlink(path);
}

CU_TestInfo group_tests[] = {
	{ "test_group_rst_examples", test_group_rst_examples },
	{ "test_group_spec_examples", test_group_spec_examples },
	{ "test_group_literal_names", test_group_literal_names },
	{ "test_group_host", test_group_host },
	{ "test_group_missing_params", test_group_missing_params },
	{ "test_group_getenv_fallback", test_group_getenv_fallback },
	{ "test_group_long_env_name", test_group_long_env_name },
	{ "test_group_kind", test_group_kind },
	{ "test_group_warns_once", test_group_warns_once },
	CU_TEST_INFO_NULL
};
