/* Tests for config/: every key parsed, defaults, and every kind of problem
 * reported as FILE:LINE:COL in file order (SPEC "Configuration (YAML)"). */
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/log.h"
#include "common/route.h"
#include "config/config.h"
#include "tests/unit/tests.h"

#define N(t)		(sizeof(t) / sizeof((t)[0]))
#define MAX_ERRORS	12

/* A route every row needs, so that only the row's own problem shows. */
#define R		"routes: [{prefix: /, script: /srv/app.wsgi}]\n"

struct bad_case {
	const char	*why;
	const char	*yaml;
	size_t		 len;		/* 0: strlen(yaml) */
	const char	*want[MAX_ERRORS];
};

static struct config *
load(const char *yaml, size_t len)
{
	return config_load_buffer("t.yaml", yaml, len != 0 ? len :
	    strlen(yaml));
}

static void
dump(const char *why, const struct config *cfg)
{
	size_t	i;

	fprintf(stderr, "\n%s: got %zu errors:\n", why, cfg->nerrors);
	for (i = 0; i < cfg->nerrors; i++)
		fprintf(stderr, "  %s\n", cfg->errors[i]);
}

/* Checks that cfg holds exactly the errors want[] (NULL-terminated). */
static void
expect_errors(const char *why, const struct config *cfg,
    const char *const *want)
{
	size_t	i, n;

	for (n = 0; n < MAX_ERRORS && want[n] != NULL; n++)
		;
	if (cfg->nerrors != n)
		dump(why, cfg);
	CU_ASSERT_EQUAL(cfg->nerrors, n);
	for (i = 0; i < n && i < cfg->nerrors; i++) {
		if (strcmp(cfg->errors[i], want[i]) != 0)
			fprintf(stderr, "\n%s:\n  got  %s\n  want %s\n", why,
			    cfg->errors[i], want[i]);
		CU_ASSERT_STRING_EQUAL(cfg->errors[i], want[i]);
	}
}

static void
bad_run(const struct bad_case *t, size_t n)
{
	struct config	*cfg;
	size_t		 i;

	for (i = 0; i < n; i++) {
		cfg = load(t[i].yaml, t[i].len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		expect_errors(t[i].why, cfg, t[i].want);
		config_free(cfg);
	}
}

/* A scratch directory with app.wsgi and scripts/, removed by rm_tree(). */
static char *
make_tree(void)
{
	char	 tmpl[] = "/tmp/pyfpm-config-XXXXXX", path[PATH_MAX];
	char	*dir;
	int	 fd;

	if (mkdtemp(tmpl) == NULL || (dir = strdup(tmpl)) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/app.wsgi", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		free(dir);
		return NULL;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/scripts", dir);
	if (mkdir(path, 0755) == -1) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;
	int	 rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static void
rm_tree(char *dir, const char *yaml)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/app.wsgi", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, yaml);
	unlink(path);
	snprintf(path, sizeof(path), "%s/scripts", dir);
	rmdir(path);
	rmdir(dir);
	free(dir);
}

static char *
join(const char *dir, const char *name)
{
	static char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const char full_yaml[] =
    "listen: unix:/run/pyfpm-test.sock\n"
    "socket_mode: 0640\n"
    "socket_owner: root\n"
    "socket_group: root\n"
    "allowed_clients: [127.0.0.1, 10.0.0.0/8, \"::1\"]\n"
    "backlog: 128\n"
    "processes: 3\n"
    "threads: 8\n"
    "max_requests: 1000\n"
    "request_timeout: 90s\n"
    "graceful_timeout: 1500ms\n"
    "max_body: 8M\n"
    "max_interpreters: 0\n"
    "user: root\n"
    "group: \"0\"\n"
    "pid_file: run/pyfpm.pid\n"
    "status_path: /status\n"
    "ping_path: /ping\n"
    "log:\n"
    "  level: debug\n"
    "  file: logs/error.log\n"
    "  access: true\n"
    "python:\n"
    "  home: ./venv\n"
    "  path: [lib, /opt//lib/]\n"
    "  own_gil: true\n"
    "env:\n"
    "  APPLICATION_GROUP: \"%{GLOBAL}\"\n"
    "  COUNT: 3\n"
    "allow_client_groups: true\n"
    "routes:\n"
    "  - prefix: /wsgi-scripts/foo/\n"		/* line 32 */
    "    script: app.wsgi\n"
    "    callable: app\n"
    "    group: site\n"
    "    preload: true\n"
    "    reload_on_change: yes\n"
    "  - prefix: //scripts\n"			/* line 38 */
    "    scripts_dir: scripts/\n"
    "  - prefix: /pre\n"			/* line 40 */
    "    script: app.wsgi\n"
    "    preload: true\n"
    "    group: \"%{ENV:APPLICATION_GROUP}\"\n"
    "  - {prefix: /users, script: ./app.wsgi, group: \"%{ENV:HTTP_X_G}\"}\n";

static void
check_full_routes(const struct config *cfg, const char *dir)
{
	const struct route	*r = cfg->routes;

	CU_ASSERT_EQUAL_FATAL(cfg->nroutes, 4);
	CU_ASSERT_STRING_EQUAL(r[0].prefix, "/wsgi-scripts/foo");
	CU_ASSERT_STRING_EQUAL(r[0].script, join(dir, "app.wsgi"));
	CU_ASSERT_PTR_NULL(r[0].scripts_dir);
	CU_ASSERT_STRING_EQUAL(r[0].callable, "app");
	CU_ASSERT_STRING_EQUAL(r[0].group, "site");
	CU_ASSERT_TRUE(r[0].preload);
	CU_ASSERT_TRUE(r[0].reload_on_change);
	CU_ASSERT_EQUAL(r[0].line, 32);
	CU_ASSERT_EQUAL(r[0].col, 5);

	CU_ASSERT_STRING_EQUAL(r[1].prefix, "/scripts");
	CU_ASSERT_PTR_NULL(r[1].script);
	CU_ASSERT_STRING_EQUAL(r[1].scripts_dir, join(dir, "scripts"));
	CU_ASSERT_STRING_EQUAL(r[1].callable, "application");
	CU_ASSERT_STRING_EQUAL(r[1].group, "%{RESOURCE}");
	CU_ASSERT_FALSE(r[1].preload);
	CU_ASSERT_FALSE(r[1].reload_on_change);
	CU_ASSERT_EQUAL(r[1].line, 38);

	CU_ASSERT_STRING_EQUAL(r[2].prefix, "/pre");
	CU_ASSERT_STRING_EQUAL(r[2].group, "%{ENV:APPLICATION_GROUP}");
	CU_ASSERT_TRUE(r[2].preload);
	CU_ASSERT_EQUAL(r[2].line, 40);

	CU_ASSERT_STRING_EQUAL(r[3].prefix, "/users");
	CU_ASSERT_STRING_EQUAL(r[3].script, join(dir, "app.wsgi"));
	CU_ASSERT_STRING_EQUAL(r[3].group, "%{ENV:HTTP_X_G}");
	CU_ASSERT_EQUAL(r[3].line, 44);
	CU_ASSERT_EQUAL(r[3].col, 5);
}

static void
check_full(const struct config *cfg, const char *dir)
{
	CU_ASSERT_STRING_EQUAL(cfg->listen, "unix:/run/pyfpm-test.sock");
	CU_ASSERT_EQUAL(cfg->listen_addr.family, AF_UNIX);
	CU_ASSERT_EQUAL(cfg->socket_mode, 0640);
	CU_ASSERT_STRING_EQUAL(cfg->socket_owner, "root");
	CU_ASSERT_STRING_EQUAL(cfg->socket_group, "root");
	CU_ASSERT_EQUAL_FATAL(cfg->nallowed_clients, 3);
	CU_ASSERT_EQUAL(cfg->allowed_clients[0].family, AF_INET);
	CU_ASSERT_EQUAL(cfg->allowed_clients[0].bits, 32);
	CU_ASSERT_EQUAL(cfg->allowed_clients[1].bits, 8);
	CU_ASSERT_EQUAL(cfg->allowed_clients[2].family, AF_INET6);
	CU_ASSERT_EQUAL(cfg->allowed_clients[2].bits, 128);
	CU_ASSERT_EQUAL(cfg->backlog, 128);
	CU_ASSERT_EQUAL(cfg->processes, 3);
	CU_ASSERT_EQUAL(cfg->threads, 8);
	CU_ASSERT_EQUAL(cfg->max_requests, 1000);
	CU_ASSERT_EQUAL(cfg->request_timeout_ms, 90000);
	CU_ASSERT_EQUAL(cfg->graceful_timeout_ms, 1500);
	CU_ASSERT_EQUAL(cfg->max_body, 8LL * 1024 * 1024);
	CU_ASSERT_EQUAL(cfg->max_interpreters, 0);
	CU_ASSERT_STRING_EQUAL(cfg->user, "root");
	CU_ASSERT_STRING_EQUAL(cfg->group, "0");
	CU_ASSERT_STRING_EQUAL(cfg->pid_file, join(dir, "run/pyfpm.pid"));
	CU_ASSERT_STRING_EQUAL(cfg->status_path, "/status");
	CU_ASSERT_STRING_EQUAL(cfg->ping_path, "/ping");
	CU_ASSERT_EQUAL(cfg->log_level, LOG_LEVEL_DEBUG);
	CU_ASSERT_STRING_EQUAL(cfg->log_file, join(dir, "logs/error.log"));
	CU_ASSERT_TRUE(cfg->log_access);
	CU_ASSERT_STRING_EQUAL(cfg->python_home, join(dir, "venv"));
	CU_ASSERT_EQUAL_FATAL(cfg->npython_path, 2);
	CU_ASSERT_STRING_EQUAL(cfg->python_path[0], join(dir, "lib"));
	CU_ASSERT_STRING_EQUAL(cfg->python_path[1], "/opt/lib");
	CU_ASSERT_TRUE(cfg->own_gil);
	CU_ASSERT_EQUAL_FATAL(cfg->nenv, 2);
	CU_ASSERT_STRING_EQUAL(cfg->env[0].name, "APPLICATION_GROUP");
	CU_ASSERT_STRING_EQUAL(cfg->env[0].value, "%{GLOBAL}");
	CU_ASSERT_STRING_EQUAL(cfg->env[1].name, "COUNT");
	CU_ASSERT_STRING_EQUAL(cfg->env[1].value, "3");
	CU_ASSERT_TRUE(cfg->allow_client_groups);
	check_full_routes(cfg, dir);
}

/* Every key, relative paths resolved against the file's directory. */
static void
test_config_full(void)
{
	struct config	*cfg;
	char		*dir;

	dir = make_tree();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_EQUAL_FATAL(write_file(dir, "pyfpm.yaml", full_yaml), 0);
	cfg = config_load(join(dir, "pyfpm.yaml"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	if (cfg->nerrors != 0)
		dump("full config", cfg);
	CU_ASSERT_EQUAL(cfg->nerrors, 0);
	CU_ASSERT_STRING_EQUAL(cfg->file, join(dir, "pyfpm.yaml"));
	check_full(cfg, dir);
	config_free(cfg);
	rm_tree(dir, "pyfpm.yaml");
}

/* What a minimal file leaves at the defaults (config.h, SPEC). */
static void
test_config_defaults(void)
{
	struct config	*cfg;

	cfg = load(R, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->nerrors, 0);
	CU_ASSERT_STRING_EQUAL(cfg->file, "t.yaml");
	CU_ASSERT_STRING_EQUAL(cfg->listen, CONFIG_DEFAULT_LISTEN);
	CU_ASSERT_EQUAL(cfg->listen_addr.family, AF_INET);
	CU_ASSERT_EQUAL(cfg->socket_mode, -1);
	CU_ASSERT_PTR_NULL(cfg->socket_owner);
	CU_ASSERT_PTR_NULL(cfg->socket_group);
	CU_ASSERT_EQUAL(cfg->nallowed_clients, 0);
	CU_ASSERT_EQUAL(cfg->backlog, CONFIG_DEFAULT_BACKLOG);
	CU_ASSERT_EQUAL(cfg->processes, CONFIG_DEFAULT_PROCESSES);
	CU_ASSERT_EQUAL(cfg->threads, CONFIG_DEFAULT_THREADS);
	CU_ASSERT_EQUAL(cfg->max_requests, 0);
	CU_ASSERT_EQUAL(cfg->request_timeout_ms,
	    CONFIG_DEFAULT_REQUEST_TIMEOUT);
	CU_ASSERT_EQUAL(cfg->graceful_timeout_ms,
	    CONFIG_DEFAULT_GRACEFUL_TIMEOUT);
	CU_ASSERT_EQUAL(cfg->max_body, CONFIG_DEFAULT_MAX_BODY);
	CU_ASSERT_EQUAL(cfg->max_interpreters,
	    CONFIG_DEFAULT_MAX_INTERPRETERS);
	CU_ASSERT_PTR_NULL(cfg->user);
	CU_ASSERT_PTR_NULL(cfg->group);
	CU_ASSERT_PTR_NULL(cfg->pid_file);
	CU_ASSERT_PTR_NULL(cfg->status_path);
	CU_ASSERT_PTR_NULL(cfg->ping_path);
	CU_ASSERT_EQUAL(cfg->log_level, LOG_LEVEL_INFO);
	CU_ASSERT_STRING_EQUAL(cfg->log_file, "-");
	CU_ASSERT_FALSE(cfg->log_access);
	CU_ASSERT_PTR_NULL(cfg->python_home);
	CU_ASSERT_EQUAL(cfg->npython_path, 0);
	CU_ASSERT_FALSE(cfg->own_gil);
	CU_ASSERT_EQUAL(cfg->nenv, 0);
	CU_ASSERT_FALSE(cfg->allow_client_groups);
	CU_ASSERT_EQUAL_FATAL(cfg->nroutes, 1);
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].prefix, "/");
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].script, "/srv/app.wsgi");
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].callable, ROUTE_DEFAULT_CALLABLE);
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].group, ROUTE_DEFAULT_GROUP);
	CU_ASSERT_FALSE(cfg->routes[0].preload);
	CU_ASSERT_FALSE(cfg->routes[0].reload_on_change);
	CU_ASSERT_EQUAL(cfg->routes[0].line, 1);
	CU_ASSERT_EQUAL(cfg->routes[0].col, 10);
	config_free(cfg);
}

/* Other spellings that mean the same thing, and explicit nulls. */
static void
test_config_value_forms(void)
{
	static const struct {
		const char	*yaml;
		int		 mode;
		bool		 access;
	} t[] = {
		{ R "socket_mode: \"0660\"\nlog: {access: yes}\n", 0660, true },
		{ R "socket_mode: 0660\nlog: {access: on}\n", 0660, true },
		{ R "socket_mode: 660\nlog: {access: True}\n", 0660, true },
		{ R "socket_mode: 0o600\nlog: {access: off}\n", 0600, false },
		{ R "socket_mode: 0\nlog: {access: NO}\n", 0, false },
		{ R "socket_mode: \"0777\"\nlog: {access: FALSE}\n", 0777,
		    false },
		{ R "socket_mode: ~\nlog:\n", -1, false },
	};
	struct config	*cfg;
	size_t		 i;

	for (i = 0; i < N(t); i++) {
		cfg = load(t[i].yaml, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		if (cfg->nerrors != 0)
			dump(t[i].yaml, cfg);
		CU_ASSERT_EQUAL(cfg->nerrors, 0);
		CU_ASSERT_EQUAL(cfg->socket_mode, t[i].mode);
		CU_ASSERT_EQUAL(cfg->log_access, t[i].access);
		config_free(cfg);
	}
	cfg = load(R "pid_file: ~\nstatus_path: null\nuser:\npython: "
	    "{home: , path: []}\nenv: {EMPTY: \"\"}\nallowed_clients: []\n"
	    "max_body: 0\nrequest_timeout: 0\nlog: {level: WARN}\n", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->nerrors, 0);
	CU_ASSERT_PTR_NULL(cfg->pid_file);
	CU_ASSERT_PTR_NULL(cfg->status_path);
	CU_ASSERT_PTR_NULL(cfg->user);
	CU_ASSERT_PTR_NULL(cfg->python_home);
	CU_ASSERT_EQUAL(cfg->npython_path, 0);
	CU_ASSERT_EQUAL_FATAL(cfg->nenv, 1);
	CU_ASSERT_STRING_EQUAL(cfg->env[0].value, "");
	CU_ASSERT_EQUAL(cfg->nallowed_clients, 0);
	CU_ASSERT_EQUAL(cfg->max_body, 0);
	CU_ASSERT_EQUAL(cfg->request_timeout_ms, 0);
	CU_ASSERT_EQUAL(cfg->log_level, LOG_LEVEL_WARN);
	config_free(cfg);
}

/* A buffer has no directory: relative paths start from the cwd. */
static void
test_config_buffer_relative_paths(void)
{
	struct config	*cfg;
	char		 cwd[PATH_MAX], want[PATH_MAX + 16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	cfg = load("routes: [{prefix: /, script: x/../app.wsgi}]\n", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->nerrors, 0);
	CU_ASSERT_EQUAL_FATAL(cfg->nroutes, 1);
	snprintf(want, sizeof(want), "%s/x/../app.wsgi",
	    strcmp(cwd, "/") == 0 ? "" : cwd);
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].script, want);
	config_free(cfg);
}

/* One row per kind of problem: the exact message and position. */
static const struct bad_case bad_syntax[] = {
	{ "indentation", "processes: 2\n  threads: 3\n", 0,
	    { "t.yaml:2:10: mapping values are not allowed in this "
	    "context" } },
	{ "unclosed flow sequence", R "allowed_clients: [127.0.0.1\n", 0,
	    { "t.yaml:3:1: did not find expected ',' or ']' (while parsing "
	    "a flow sequence at line 2, column 18)" } },
	{ "unclosed quote", R "user: \"root\n", 0,
	    { "t.yaml:3:1: found unexpected end of stream (while scanning "
	    "a quoted scalar at line 2, column 7)" } },
	{ "tab indentation", R "log:\n\tlevel: info\n", 0,
	    { "t.yaml:3:1: found character that cannot start any token "
	    "(while scanning for the next token at line 3, column 1)" } },
	{ "undefined alias", R "processes: *n\n", 0,
	    { "t.yaml:2:12: found undefined alias" } },
	{ "invalid UTF-8", R "user: \"r\xffot\"\n", 0,
	    { "t.yaml:2:9: invalid leading UTF-8 octet (0xFF)" } },
	{ "second document", R "---\nprocesses: 2\n", 0,
	    { "t.yaml:3:1: only one YAML document is allowed" } },
	{ "empty", "", 0,
	    { "t.yaml:1:1: empty configuration: expected a mapping of "
	    "settings" } },
	{ "comments only", "# nothing\n\n", 0,
	    { "t.yaml:1:1: empty configuration: expected a mapping of "
	    "settings" } },
	{ "top-level list", "- processes: 2\n", 0,
	    { "t.yaml:1:1: the top level must be a mapping of settings, "
	    "got a list" } },
	{ "top-level scalar", "\n  hello\n", 0,
	    { "t.yaml:2:3: the top level must be a mapping of settings, "
	    "got \"hello\"" } },
};

static const struct bad_case bad_keys[] = {
	{ "typo with suggestion", R "proceses: 2\n", 0,
	    { "t.yaml:2:1: unknown key \"proceses\" (did you mean "
	    "\"processes\"?)" } },
	{ "dash for underscore", R "max-requests: 5\n", 0,
	    { "t.yaml:2:1: unknown key \"max-requests\" (did you mean "
	    "\"max_requests\"?)" } },
	{ "unknown, nothing close", R "frobnicate: 1\n", 0,
	    { "t.yaml:2:1: unknown key \"frobnicate\"" } },
	{ "unknown in log", R "log:\n  levle: debug\n", 0,
	    { "t.yaml:3:3: unknown key \"levle\" in log (did you mean "
	    "\"level\"?)" } },
	{ "unknown in python", R "python: {own-gil: true}\n", 0,
	    { "t.yaml:2:10: unknown key \"own-gil\" in python (did you mean "
	    "\"own_gil\"?)" } },
	{ "unknown in a route", "routes:\n  - prefix: /\n"
	    "    scirpt: /srv/a.wsgi\n", 0,
	    { "t.yaml:2:5: route needs a script or a scripts_dir",
	    "t.yaml:3:5: unknown key \"scirpt\" in route (did you mean "
	    "\"script\"?)" } },
	{ "duplicate key", R "processes: 2\nthreads: 2\nprocesses: 3\n", 0,
	    { "t.yaml:4:1: duplicate key \"processes\" (first at line 2)" } },
	{ "duplicate key in a route", "routes:\n  - prefix: /\n"
	    "    script: /srv/a.wsgi\n    script: /srv/b.wsgi\n", 0,
	    { "t.yaml:4:5: duplicate key \"script\" (first at line 3)" } },
	{ "duplicate env name", R "env:\n  A: 1\n  A: 2\n", 0,
	    { "t.yaml:4:3: duplicate key \"A\" (first at line 3)" } },
	{ "non-scalar key", R "? [a, b]\n: 1\n", 0,
	    { "t.yaml:2:3: expected a key name, got a list" } },
	{ "no routes", "processes: 2\n", 0,
	    { "t.yaml:1:1: no routes: add a routes: list with at least one "
	    "route" } },
	{ "empty routes", "routes: []\n", 0,
	    { "t.yaml:1:9: routes: at least one route is needed" } },
	{ "routes not a list", "routes: {prefix: /}\n", 0,
	    { "t.yaml:1:9: routes: expected a list of routes, got a "
	    "mapping" } },
	{ "routes twice", R "routes: [/a]\n", 0,
	    { "t.yaml:2:1: duplicate key \"routes\" (first at line 1)" } },
	{ "route not a mapping", "routes: [/a]\n", 0,
	    { "t.yaml:1:10: routes: expected a route (a mapping), got "
	    "\"/a\"" } },
	{ "section not a mapping", R "log: [debug]\n", 0,
	    { "t.yaml:2:6: log: expected a mapping, got a list" } },
};

static const struct bad_case bad_values[] = {
	{ "string for an integer", R "processes: \"two\"\n", 0,
	    { "t.yaml:2:12: processes: expected an integer, got "
	    "\"two\"" } },
	{ "quoted integer", R "threads: \"4\"\n", 0,
	    { "t.yaml:2:10: threads: expected an integer, got \"4\"" } },
	{ "float for an integer", R "threads: 2.5\n", 0,
	    { "t.yaml:2:10: threads: expected an integer, got \"2.5\"" } },
	{ "null for an integer", R "backlog:\n", 0,
	    { "t.yaml:2:9: backlog: expected an integer, got null" } },
	{ "list for an integer", R "processes: [1]\n", 0,
	    { "t.yaml:2:12: processes: expected an integer, got a list" } },
	{ "processes 0", R "processes: 0\n", 0,
	    { "t.yaml:2:12: processes: must be between 1 and 1024, "
	    "got 0" } },
	{ "threads 1025", R "threads: 1025\n", 0,
	    { "t.yaml:2:10: threads: must be between 1 and 1024, "
	    "got 1025" } },
	{ "backlog 65536", R "backlog: 65536\n", 0,
	    { "t.yaml:2:10: backlog: must be between 1 and 65535, "
	    "got 65536" } },
	{ "max_interpreters -1", R "max_interpreters: -1\n", 0,
	    { "t.yaml:2:19: max_interpreters: must be between 0 and 10000, "
	    "got -1" } },
	{ "max_interpreters 10001", R "max_interpreters: 10001\n", 0,
	    { "t.yaml:2:19: max_interpreters: must be between 0 and 10000, "
	    "got 10001" } },
	{ "max_requests -5", R "max_requests: -5\n", 0,
	    { "t.yaml:2:15: max_requests: must be 0 or more, got -5" } },
	{ "integer overflow", R "processes: 99999999999999999999\n", 0,
	    { "t.yaml:2:12: processes: must be between 1 and 1024, "
	    "got 99999999999999999999" } },
	{ "bad duration unit", R "request_timeout: 5x\n", 0,
	    { "t.yaml:2:18: request_timeout: \"5x\": unknown unit (use ms, "
	    "s, m or h)" } },
	{ "negative duration", R "graceful_timeout: -1s\n", 0,
	    { "t.yaml:2:19: graceful_timeout: \"-1s\": negative value" } },
	{ "duration list", R "graceful_timeout: [1s]\n", 0,
	    { "t.yaml:2:19: graceful_timeout: expected a duration like "
	    "\"30s\", got a list" } },
	{ "bad size unit", R "max_body: 10T\n", 0,
	    { "t.yaml:2:11: max_body: \"10T\": unknown unit (use K, M or "
	    "G)" } },
	{ "size overflow", R "max_body: 99999999999G\n", 0,
	    { "t.yaml:2:11: max_body: \"99999999999G\": value too large" } },
	{ "bool as a string", R "log: {access: \"yes\"}\n", 0,
	    { "t.yaml:2:15: log.access: expected true or false, got "
	    "\"yes\"" } },
	{ "bool as a number", R "allow_client_groups: 1\n", 0,
	    { "t.yaml:2:22: allow_client_groups: expected true or false, "
	    "got \"1\"" } },
	{ "log level", R "log:\n  level: loud\n", 0,
	    { "t.yaml:3:10: log.level: \"loud\": expected error, warn, info "
	    "or debug" } },
	{ "NUL in a string", R "user: \"ro\\0ot\"\n", 0,
	    { "t.yaml:2:7: user: must not contain a NUL character" } },
	{ "empty path", R "pid_file: \"\"\n", 0,
	    { "t.yaml:2:11: pid_file: expected a path, got an empty "
	    "string" } },
	{ "status_path relative", R "status_path: status\n", 0,
	    { "t.yaml:2:14: status_path: \"status\": must start with "
	    "'/'" } },
	{ "ping_path with a query", R "ping_path: /ping?x\n", 0,
	    { "t.yaml:2:12: ping_path: \"/ping?x\": must not hold spaces, "
	    "control characters, '?' or '#'" } },
	{ "ping_path = status_path", R "ping_path: /s\nstatus_path: /s\n", 0,
	    { "t.yaml:2:12: ping_path: same as status_path" } },
};

static const struct bad_case bad_system[] = {
	{ "listen port", R "listen: 127.0.0.1:99999\n", 0,
	    { "t.yaml:2:9: listen: \"127.0.0.1:99999\": port must be a "
	    "number from 1 to 65535" } },
	{ "listen host", R "listen: example.com:80\n", 0,
	    { "t.yaml:2:9: listen: \"example.com:80\": host must be a "
	    "numeric address or localhost" } },
	{ "listen relative unix", R "listen: unix:run/p.sock\n", 0,
	    { "t.yaml:2:9: listen: \"unix:run/p.sock\": unix socket path "
	    "must be absolute" } },
	{ "allowed_clients entries", R
	    "allowed_clients:\n  - 10.0.0.1\n  - bogus\n  - 10.0.0.0/33\n", 0,
	    { "t.yaml:4:5: allowed_clients: \"bogus\": expected an IP "
	    "address or CIDR",
	    "t.yaml:5:5: allowed_clients: \"10.0.0.0/33\": prefix length "
	    "too large" } },
	{ "allowed_clients mapping", R "allowed_clients: {a: 1}\n", 0,
	    { "t.yaml:2:18: allowed_clients: expected a list of addresses, "
	    "got a mapping" } },
	{ "socket_mode not octal", R "socket_mode: \"0668\"\n", 0,
	    { "t.yaml:2:14: socket_mode: expected an octal mode like "
	    "\"0660\", got \"0668\"" } },
	{ "socket_mode words", R "socket_mode: rw-rw----\n", 0,
	    { "t.yaml:2:14: socket_mode: expected an octal mode like "
	    "\"0660\", got \"rw-rw----\"" } },
	{ "socket_mode too big", R "socket_mode: 1777\n", 0,
	    { "t.yaml:2:14: socket_mode: must be between 0 and 0777, got "
	    "\"1777\"" } },
	{ "unknown user", R "user: no-such-user-pyfpm\n", 0,
	    { "t.yaml:2:7: user: unknown user \"no-such-user-pyfpm\"" } },
	{ "unknown group", R "group: no-such-group-pyfpm\n", 0,
	    { "t.yaml:2:8: group: unknown group \"no-such-group-pyfpm\"" } },
	{ "unknown socket owner", R "socket_owner: \"-1\"\n", 0,
	    { "t.yaml:2:15: socket_owner: unknown user \"-1\"" } },
	{ "python.path scalar", R "python:\n  path: /srv/lib\n", 0,
	    { "t.yaml:3:9: python.path: expected a list of paths, got "
	    "\"/srv/lib\"" } },
	{ "python.path item", R "python:\n  path: [/a, {b: 1}, 3]\n", 0,
	    { "t.yaml:3:14: python.path: expected a path, got a mapping" } },
	{ "env value list", R "env:\n  A: [1, 2]\n", 0,
	    { "t.yaml:3:6: env.A: expected a string, got a list" } },
	{ "env value null", R "env:\n  A:\n", 0,
	    { "t.yaml:3:5: env.A: expected a value, got null (write \"\" for "
	    "an empty string)" } },
	{ "env name with =", R "env: {\"A=B\": 1}\n", 0,
	    { "t.yaml:2:7: env: invalid variable name \"A=B\"" } },
	{ "env not a mapping", R "env: [A]\n", 0,
	    { "t.yaml:2:6: env: expected a mapping of names to values, got "
	    "a list" } },
};

static const struct bad_case bad_routes[] = {
	{ "duplicate prefixes after normalising",
	    "routes:\n  - {prefix: /a/, script: /srv/a.wsgi}\n"
	    "  - {prefix: //a, script: /srv/b.wsgi}\n", 0,
	    { "t.yaml:3:14: duplicate prefix \"/a\" (first at line 2)" } },
	{ "three routes, one prefix",
	    "routes:\n  - {prefix: /a, script: /srv/a.wsgi}\n"
	    "  - {prefix: /a, script: /srv/b.wsgi}\n"
	    "  - {prefix: /a/, script: /srv/c.wsgi}\n", 0,
	    { "t.yaml:3:14: duplicate prefix \"/a\" (first at line 2)",
	    "t.yaml:4:14: duplicate prefix \"/a\" (first at line 2)" } },
	{ "a route repeated through an alias",
	    "routes:\n  - &r {prefix: /a, script: /srv/a.wsgi}\n"
	    "  - *r\n  - *r\n", 0,
	    { "t.yaml:2:5: routes: the route at line 2 is listed again "
	    "through an alias",
	    "t.yaml:2:5: routes: the route at line 2 is listed again "
	    "through an alias" } },
	{ "prefix without /", "routes: [{prefix: app, script: /srv/a}]\n", 0,
	    { "t.yaml:1:19: prefix: \"app\": route prefix must start with "
	    "'/'" } },
	{ "prefix with ..", "routes: [{prefix: /a/../b, script: /srv/a}]\n", 0,
	    { "t.yaml:1:19: prefix: \"/a/../b\": route prefix holds a \".\" "
	    "or \"..\" segment" } },
	{ "no prefix", "routes: [{script: /srv/a.wsgi}]\n", 0,
	    { "t.yaml:1:10: route has no prefix" } },
	{ "both script and scripts_dir",
	    "routes: [{prefix: /, script: /srv/a, scripts_dir: /tmp}]\n", 0,
	    { "t.yaml:1:10: route has both script and scripts_dir (use "
	    "one)" } },
	{ "neither script nor scripts_dir", "routes: [{prefix: /}]\n", 0,
	    { "t.yaml:1:10: route needs a script or a scripts_dir" } },
	{ "scripts_dir missing",
	    "routes: [{prefix: /, scripts_dir: /nonexistent/pyfpm}]\n", 0,
	    { "t.yaml:1:35: scripts_dir: \"/nonexistent/pyfpm\": No such "
	    "file or directory" } },
	{ "scripts_dir a file",
	    "routes: [{prefix: /, scripts_dir: /etc/passwd}]\n", 0,
	    { "t.yaml:1:35: scripts_dir: \"/etc/passwd\": not a "
	    "directory" } },
	{ "callable not an identifier",
	    "routes: [{prefix: /, script: /srv/a, callable: my-app}]\n", 0,
	    { "t.yaml:1:48: callable: \"my-app\" is not a Python "
	    "identifier" } },
	{ "client-controlled group", "routes:\n  - prefix: /\n"
	    "    script: /srv/a.wsgi\n    group: \"%{ENV:HTTP_X_GROUP}\"\n", 0,
	    { "t.yaml:4:12: group: \"%{ENV:HTTP_X_GROUP}\" comes from a "
	    "request header, so any client could choose (and multiply) "
	    "interpreters; set allow_client_groups: true to allow it" } },
	{ "preload a missing script", "routes:\n  - prefix: /\n"
	    "    script: /nonexistent/app.wsgi\n    preload: true\n"
	    "    group: site\n", 0,
	    { "t.yaml:3:13: script: \"/nonexistent/app.wsgi\": No such file "
	    "or directory (preload: true needs it)" } },
	{ "preload a request-dependent group", "routes:\n  - prefix: /\n"
	    "    script: /etc/passwd\n    preload: true\n", 0,
	    { "t.yaml:4:14: preload: group \"%{RESOURCE}\" depends on the "
	    "request, so it cannot be created before one arrives (use a "
	    "literal group, %{GLOBAL}, or %{ENV:NAME} with NAME set under "
	    "env:)" } },
	{ "preload an env group not in env:", "routes:\n  - prefix: /\n"
	    "    script: /etc/passwd\n    preload: true\n"
	    "    group: \"%{ENV:APP_GROUP}\"\n", 0,
	    { "t.yaml:4:14: preload: group \"%{ENV:APP_GROUP}\" depends on "
	    "the request unless APP_GROUP is set under env:" } },
	{ "preload an env group naming %{SERVER}", "routes:\n  - prefix: /\n"
	    "    script: /etc/passwd\n    preload: true\n"
	    "    group: \"%{ENV:G}\"\nenv: {G: \"%{SERVER}\"}\n", 0,
	    { "t.yaml:4:14: preload: group \"%{ENV:G}\" expands to "
	    "\"%{SERVER}\", which depends on the request" } },
	{ "preload a scripts_dir", "routes:\n  - prefix: /\n"
	    "    scripts_dir: /tmp\n    preload: true\n    group: x\n", 0,
	    { "t.yaml:4:14: preload: a scripts_dir route cannot be preloaded "
	    "(its scripts are named by requests)" } },
};

static void
test_config_bad_syntax(void)
{
	bad_run(bad_syntax, N(bad_syntax));
}

static void
test_config_bad_keys(void)
{
	bad_run(bad_keys, N(bad_keys));
}

static void
test_config_bad_values(void)
{
	bad_run(bad_values, N(bad_values));
}

static void
test_config_bad_system(void)
{
	bad_run(bad_system, N(bad_system));
}

static void
test_config_bad_routes(void)
{
	bad_run(bad_routes, N(bad_routes));
}

/* Several problems: all reported, in file order, including those found
 * only after the whole file was read (routes checked against env:). */
static void
test_config_many_problems(void)
{
	static const struct bad_case t[] = {
		{ "many", "listen: nowhere:80\n"
		    "routes:\n"
		    "  - prefix: /a\n"
		    "    script: /etc/passwd\n"
		    "    preload: true\n"
		    "    group: \"%{ENV:G}\"\n"
		    "  - prefix: /a/\n"
		    "    group: \"%{ENV:HTTP_G}\"\n"
		    "processes: many\n"
		    "log: {level: loud, colour: true}\n"
		    "threads: 0\n"
		    "proceses: 3\n", 0, {
		    "t.yaml:1:9: listen: \"nowhere:80\": host must be a "
		    "numeric address or localhost",
		    "t.yaml:5:14: preload: group \"%{ENV:G}\" depends on the "
		    "request unless G is set under env:",
		    "t.yaml:7:5: route needs a script or a scripts_dir",
		    "t.yaml:7:13: duplicate prefix \"/a\" (first at line 3)",
		    "t.yaml:8:12: group: \"%{ENV:HTTP_G}\" comes from a "
		    "request header, so any client could choose (and multiply) "
		    "interpreters; set allow_client_groups: true to allow it",
		    "t.yaml:9:12: processes: expected an integer, got "
		    "\"many\"",
		    "t.yaml:10:14: log.level: \"loud\": expected error, warn, "
		    "info or debug",
		    "t.yaml:10:20: unknown key \"colour\" in log",
		    "t.yaml:11:10: threads: must be between 1 and 1024, got 0",
		    "t.yaml:12:1: unknown key \"proceses\" (did you mean "
		    "\"processes\"?)" } },
	};

	bad_run(t, N(t));
}

static void
test_config_unreadable(void)
{
	struct config	*cfg;
	char		*dir, msg[PATH_MAX + 64];

	cfg = config_load("/nonexistent-pyfpm/pyfpm.yaml");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(cfg->nerrors, 1);
	CU_ASSERT_STRING_EQUAL(cfg->errors[0], "/nonexistent-pyfpm/pyfpm.yaml: "
	    "cannot read: No such file or directory");
	config_free(cfg);

	dir = make_tree();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	cfg = config_load(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(cfg->nerrors, 1);
	snprintf(msg, sizeof(msg), "%s: cannot read: Is a directory", dir);
	CU_ASSERT_STRING_EQUAL(cfg->errors[0], msg);
	config_free(cfg);
	rm_tree(dir, "none");
}

static void
test_config_empty_file(void)
{
	struct config	*cfg;
	char		*dir, msg[PATH_MAX + 64];

	dir = make_tree();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_EQUAL_FATAL(write_file(dir, "empty.yaml", ""), 0);
	cfg = config_load(join(dir, "empty.yaml"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(cfg->nerrors, 1);
	snprintf(msg, sizeof(msg), "%s/empty.yaml:1:1: empty configuration: "
	    "expected a mapping of settings", dir);
	CU_ASSERT_STRING_EQUAL(cfg->errors[0], msg);
	config_free(cfg);
	rm_tree(dir, "empty.yaml");
}

static void
test_config_default(void)
{
	struct config	*cfg;

	cfg = config_default();
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->nerrors, 0);
	CU_ASSERT_STRING_EQUAL(cfg->file, "<built-in>");
	CU_ASSERT_STRING_EQUAL(cfg->listen, "127.0.0.1:9000");
	CU_ASSERT_EQUAL(cfg->listen_addr.family, AF_INET);
	CU_ASSERT_EQUAL(cfg->processes, CONFIG_DEFAULT_PROCESSES);
	CU_ASSERT_EQUAL(cfg->threads, CONFIG_DEFAULT_THREADS);
	CU_ASSERT_EQUAL(cfg->socket_mode, -1);
	CU_ASSERT_STRING_EQUAL(cfg->log_file, "-");
	CU_ASSERT_EQUAL(cfg->log_level, LOG_LEVEL_INFO);
	CU_ASSERT_PTR_NULL(cfg->status_path);
	CU_ASSERT_EQUAL_FATAL(cfg->nroutes, 1);
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].prefix, "/");
	CU_ASSERT_PTR_NULL(cfg->routes[0].script);
	CU_ASSERT_PTR_NULL(cfg->routes[0].scripts_dir);
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].callable, "application");
	CU_ASSERT_STRING_EQUAL(cfg->routes[0].group, "%{RESOURCE}");
	config_free(cfg);
	config_free(NULL);
}

/* The shipped example is valid but for the /srv paths it points at. */
static void
test_config_example(void)
{
	struct config	*cfg;
	size_t		 i;

	cfg = config_load(TESTS_SRCDIR "/../config/pyfpm.yaml");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	for (i = 0; i < cfg->nerrors; i++) {
		if (strstr(cfg->errors[i], ": \"/srv/") == NULL)
			dump("config/pyfpm.yaml", cfg);
		CU_ASSERT_PTR_NOT_NULL(strstr(cfg->errors[i], ": \"/srv/"));
	}
	CU_ASSERT_EQUAL(cfg->nroutes, 3);
	CU_ASSERT_EQUAL(cfg->nenv, 2);
	config_free(cfg);
}

CU_TestInfo config_tests[] = {
	{ "test_config_full", test_config_full },
	{ "test_config_defaults", test_config_defaults },
	{ "test_config_value_forms", test_config_value_forms },
	{ "test_config_buffer_relative_paths",
	    test_config_buffer_relative_paths },
	{ "test_config_bad_syntax", test_config_bad_syntax },
	{ "test_config_bad_keys", test_config_bad_keys },
	{ "test_config_bad_values", test_config_bad_values },
	{ "test_config_bad_system", test_config_bad_system },
	{ "test_config_bad_routes", test_config_bad_routes },
	{ "test_config_many_problems", test_config_many_problems },
	{ "test_config_unreadable", test_config_unreadable },
	{ "test_config_empty_file", test_config_empty_file },
	{ "test_config_default", test_config_default },
	{ "test_config_example", test_config_example },
	CU_TEST_INFO_NULL
};
