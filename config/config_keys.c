/* The settings themselves: one handler per key of SPEC's schema (the
 * top level, log:, python: and env:; routes: is in config_route.c). */
#include "config/config_priv.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/log.h"
#include "common/sock.h"

enum {
	K_LISTEN,
	K_SOCKET_MODE,
	K_SOCKET_OWNER,
	K_SOCKET_GROUP,
	K_ALLOWED_CLIENTS,
	K_BACKLOG,
	K_PROCESSES,
	K_THREADS,
	K_MAX_REQUESTS,
	K_REQUEST_TIMEOUT,
	K_GRACEFUL_TIMEOUT,
	K_MAX_BODY,
	K_MAX_INTERPRETERS,
	K_USER,
	K_GROUP,
	K_PID_FILE,
	K_STATUS_PATH,
	K_PING_PATH,
	K_LOG,
	K_PYTHON,
	K_ENV,
	K_ALLOW_CLIENT_GROUPS,
	K_ROUTES,
	K_NKEYS
};

static const char *const top_keys[K_NKEYS] = {
	"listen", "socket_mode", "socket_owner", "socket_group",
	"allowed_clients", "backlog", "processes", "threads", "max_requests",
	"request_timeout", "graceful_timeout", "max_body", "max_interpreters",
	"user", "group", "pid_file", "status_path", "ping_path", "log",
	"python", "env", "allow_client_groups", "routes"
};

enum { L_LEVEL, L_FILE, L_ACCESS, L_NKEYS };
static const char *const log_keys[L_NKEYS] = { "level", "file", "access" };

enum { P_HOME, P_PATH, P_OWN_GIL, P_NKEYS };
static const char *const python_keys[P_NKEYS] = { "home", "path", "own_gil" };

static void
listen_key(struct config_ctx *ctx, yaml_node_t *v)
{
	struct config		*cfg = ctx->cfg;
	struct sock_addr	 a;
	const char		*err;
	char			*s = NULL, b[256];

	if (config_get_string(ctx, "listen", v, false, &s) == -1)
		return;
	if (sock_parse_addr(s, &a, &err) == -1) {
		config_error(ctx, &v->start_mark, "listen: %s: %s",
		    config_quote(s, b, sizeof(b)), err);
		free(s);
		return;
	}
	free(cfg->listen);
	cfg->listen = s;
	cfg->listen_addr = a;
}

/* Always octal, whether written "0660", 0660, 660 or 0o660: what chmod(1)
 * users mean, whatever YAML 1.1 or 1.2 would make of the digits. */
static void
socket_mode_key(struct config_ctx *ctx, yaml_node_t *v)
{
	char		*s = NULL, *p, b[256];
	unsigned long	 mode;

	if (config_is_null(v)) {
		ctx->cfg->socket_mode = -1;
		return;
	}
	if (config_get_string(ctx, "socket_mode", v, false, &s) == -1)
		return;
	p = s;
	if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		p += 2;
	if (*p == '\0' || strspn(p, "01234567") != strlen(p)) {
		config_error(ctx, &v->start_mark, "socket_mode: expected an "
		    "octal mode like \"0660\", got %s",
		    config_quote(s, b, sizeof(b)));
	} else {
		p += strspn(p, "0");
		mode = strlen(p) > 4 ? 01000 : strtoul(p, NULL, 8);
		if (mode > 0777)
			config_error(ctx, &v->start_mark, "socket_mode: must "
			    "be between 0 and 0777, got %s",
			    config_quote(s, b, sizeof(b)));
		else
			ctx->cfg->socket_mode = (int)mode;
	}
	free(s);
}

/* A user or group name, or a numeric id as sock_listen() takes them. */
static void
id_key(struct config_ctx *ctx, const char *what, yaml_node_t *v, char **out,
    bool isgroup)
{
	char		 b[256];
	const char	*s;
	char		*end;
	unsigned long	 id;

	if (config_get_string(ctx, what, v, true, out) == -1 || *out == NULL)
		return;
	s = *out;
	if (isgroup ? getgrnam(s) != NULL : getpwnam(s) != NULL)
		return;
	errno = 0;
	id = strtoul(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0 &&
	    id <= INT_MAX)
		return;
	config_error(ctx, &v->start_mark, "%s: unknown %s %s", what,
	    isgroup ? "group" : "user", config_quote(s, b, sizeof(b)));
}

static void
allowed_client(struct config_ctx *ctx, yaml_node_t *v)
{
	struct config	*cfg = ctx->cfg;
	const char	*err;
	char		*s = NULL, b[256];

	if (config_get_string(ctx, "allowed_clients", v, false, &s) == -1)
		return;
	if (sock_parse_cidr(s, &cfg->allowed_clients[cfg->nallowed_clients],
	    &err) == -1)
		config_error(ctx, &v->start_mark, "allowed_clients: %s: %s",
		    config_quote(s, b, sizeof(b)), err);
	else
		cfg->nallowed_clients++;
	free(s);
}

/* A list of addresses; a single one may be written without the list. */
static void
allowed_clients_key(struct config_ctx *ctx, yaml_node_t *v)
{
	struct config		*cfg = ctx->cfg;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	size_t			 n;
	char			 b[256];

	if (config_is_null(v))
		return;
	if (v->type == YAML_MAPPING_NODE) {
		config_error(ctx, &v->start_mark, "allowed_clients: expected a "
		    "list of addresses, got %s",
		    config_describe(v, b, sizeof(b)));
		return;
	}
	n = v->type == YAML_SCALAR_NODE ? 1 : (size_t)
	    (v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0)
		return;
	if ((cfg->allowed_clients = calloc(n, sizeof(struct sock_cidr))) ==
	    NULL) {
		ctx->oom = true;
		return;
	}
	if (v->type == YAML_SCALAR_NODE) {
		allowed_client(ctx, v);
		return;
	}
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++)
		if ((item = config_node(ctx, *it)) != NULL)
			allowed_client(ctx, item);
}

/* status_path and ping_path are matched exactly against request paths. */
static void
http_path_key(struct config_ctx *ctx, const char *what, yaml_node_t *v,
    char **out)
{
	const unsigned char	*p;
	char			 b[256];

	if (config_get_string(ctx, what, v, true, out) == -1 || *out == NULL)
		return;
	if ((*out)[0] != '/') {
		config_error(ctx, &v->start_mark, "%s: %s: must start with "
		    "'/'", what, config_quote(*out, b, sizeof(b)));
		return;
	}
	for (p = (const unsigned char *)*out; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#') {
			config_error(ctx, &v->start_mark, "%s: %s: must not "
			    "hold spaces, control characters, '?' or '#'",
			    what, config_quote(*out, b, sizeof(b)));
			return;
		}
	}
}

static void
log_key(struct config_ctx *ctx, int idx, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct config	*cfg = ctx->cfg;
	char		*s = NULL, b[256];
	int		 level;

	switch (idx) {
	case L_LEVEL:
		if (config_get_string(ctx, "log.level", v, false, &s) == -1)
			return;
		if ((level = log_level_parse(s)) == -1)
			config_error(ctx, &v->start_mark, "log.level: %s: "
			    "expected error, warn, info or debug",
			    config_quote(s, b, sizeof(b)));
		else
			cfg->log_level = (enum log_level)level;
		free(s);
		break;
	case L_FILE:
		/* "-" is stderr, not a file beside the config. */
		if (v->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)v->data.scalar.value, "-") == 0)
			break;
		config_get_path(ctx, "log.file", v, false, &cfg->log_file);
		break;
	case L_ACCESS:
		config_get_bool(ctx, "log.access", v, &cfg->log_access);
		break;
	}
}

static void
python_path_key(struct config_ctx *ctx, yaml_node_t *v)
{
	struct config		*cfg = ctx->cfg;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	size_t			 n;
	char			 b[256];

	if (config_is_null(v))
		return;
	if (v->type != YAML_SEQUENCE_NODE) {
		config_error(ctx, &v->start_mark, "python.path: expected a "
		    "list of paths, got %s", config_describe(v, b, sizeof(b)));
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0)
		return;
	if ((cfg->python_path = calloc(n, sizeof(char *))) == NULL) {
		ctx->oom = true;
		return;
	}
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		if ((item = config_node(ctx, *it)) == NULL)
			continue;
		if (config_get_path(ctx, "python.path", item, false,
		    &cfg->python_path[cfg->npython_path]) == 0)
			cfg->npython_path++;
	}
}

static void
python_key(struct config_ctx *ctx, int idx, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct config	*cfg = ctx->cfg;

	switch (idx) {
	case P_HOME:
		config_get_path(ctx, "python.home", v, true, &cfg->python_home);
		break;
	case P_PATH:
		python_path_key(ctx, v);
		break;
	case P_OWN_GIL:
		config_get_bool(ctx, "python.own_gil", v, &cfg->own_gil);
		break;
	}
}

/* An env: name: a non-empty scalar without '=' or NUL; NULL if not. */
static const char *
env_name(struct config_ctx *ctx, yaml_node_t *k)
{
	const char	*name;
	char		 b[256];

	if (k->type != YAML_SCALAR_NODE) {
		config_error(ctx, &k->start_mark, "env: expected a variable "
		    "name, got %s", config_describe(k, b, sizeof(b)));
		return NULL;
	}
	name = (const char *)k->data.scalar.value;
	if (*name == '\0' || strchr(name, '=') != NULL ||
	    strlen(name) != k->data.scalar.length) {
		config_error(ctx, &k->start_mark, "env: invalid variable name "
		    "%s", config_quote(name, b, sizeof(b)));
		return NULL;
	}
	return name;
}

static void
env_value(struct config_ctx *ctx, const char *name, yaml_node_t *v)
{
	struct config		*cfg = ctx->cfg;
	struct config_env	*e = &cfg->env[cfg->nenv];
	char			 what[128];

	snprintf(what, sizeof(what), "env.%s", name);
	if (config_is_null(v)) {
		config_error(ctx, &v->start_mark, "%s: expected a value, got "
		    "null (write \"\" for an empty string)", what);
		return;
	}
	if (config_get_string(ctx, what, v, false, &e->value) == -1)
		return;
	if ((e->name = config_strdup(ctx, name)) == NULL) {
		free(e->value);
		e->value = NULL;
		return;
	}
	cfg->nenv++;
}

static void
env_key(struct config_ctx *ctx, yaml_node_t *v)
{
	struct config		*cfg = ctx->cfg;
	yaml_node_pair_t	*pairs;
	yaml_node_t		*k, *val;
	const char		**names;
	size_t			 n, i, *first;
	char			 b[256];

	if (config_is_null(v))
		return;
	if (v->type != YAML_MAPPING_NODE) {
		config_error(ctx, &v->start_mark, "env: expected a mapping of "
		    "names to values, got %s",
		    config_describe(v, b, sizeof(b)));
		return;
	}
	pairs = v->data.mapping.pairs.start;
	n = (size_t)(v->data.mapping.pairs.top - pairs);
	if (n == 0)
		return;
	cfg->env = calloc(n, sizeof(*cfg->env));
	names = calloc(n, sizeof(*names));
	first = calloc(n, sizeof(*first));
	if (cfg->env == NULL || names == NULL || first == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if ((k = config_node(ctx, pairs[i].key)) != NULL)
			names[i] = env_name(ctx, k);
	if (config_dups(names, n, first) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (names[i] == NULL ||
		    (val = config_node(ctx, pairs[i].value)) == NULL)
			continue;
		k = config_node(ctx, pairs[i].key);
		if (first[i] != CONFIG_NO_DUP)
			config_error(ctx, &k->start_mark, "duplicate key %s "
			    "(first at line %zu)",
			    config_quote(names[i], b, sizeof(b)),
			    config_node(ctx, pairs[first[i]].key)->
			    start_mark.line + 1);
		else
			env_value(ctx, names[i], val);
	}
	free(names);
	free(first);
	return;
fail:
	ctx->oom = true;
	free(names);
	free(first);
}

static void
int_key(struct config_ctx *ctx, const char *what, yaml_node_t *v, int min,
    int max, int *out)
{
	long long	 x;

	if (config_get_int(ctx, what, v, min, max, &x) == 0)
		*out = (int)x;
}

static void
top_key(struct config_ctx *ctx, int idx, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct config	*cfg = ctx->cfg;
	const char	*what = top_keys[idx];

	switch (idx) {
	case K_LISTEN:
		listen_key(ctx, v);
		break;
	case K_SOCKET_MODE:
		socket_mode_key(ctx, v);
		break;
	case K_SOCKET_OWNER:
		id_key(ctx, what, v, &cfg->socket_owner, false);
		break;
	case K_SOCKET_GROUP:
		id_key(ctx, what, v, &cfg->socket_group, true);
		break;
	case K_ALLOWED_CLIENTS:
		allowed_clients_key(ctx, v);
		break;
	case K_BACKLOG:
		int_key(ctx, what, v, 1, 65535, &cfg->backlog);
		break;
	case K_PROCESSES:
		int_key(ctx, what, v, 1, 1024, &cfg->processes);
		break;
	case K_THREADS:
		int_key(ctx, what, v, 1, 1024, &cfg->threads);
		break;
	case K_MAX_REQUESTS:
		config_get_int(ctx, what, v, 0, LLONG_MAX, &cfg->max_requests);
		break;
	case K_REQUEST_TIMEOUT:
		config_get_duration(ctx, what, v, &cfg->request_timeout_ms);
		break;
	case K_GRACEFUL_TIMEOUT:
		config_get_duration(ctx, what, v, &cfg->graceful_timeout_ms);
		break;
	case K_MAX_BODY:
		config_get_size(ctx, what, v, &cfg->max_body);
		break;
	case K_MAX_INTERPRETERS:
		int_key(ctx, what, v, 0, 10000, &cfg->max_interpreters);
		break;
	case K_USER:
		id_key(ctx, what, v, &cfg->user, false);
		break;
	case K_GROUP:
		id_key(ctx, what, v, &cfg->group, true);
		break;
	case K_PID_FILE:
		config_get_path(ctx, what, v, true, &cfg->pid_file);
		break;
	case K_STATUS_PATH:
		http_path_key(ctx, what, v, &cfg->status_path);
		break;
	case K_PING_PATH:
		ctx->ping_mark = v->start_mark;
		http_path_key(ctx, what, v, &cfg->ping_path);
		break;
	case K_LOG:
		config_mapping(ctx, v, "log", log_keys, L_NKEYS, log_key, NULL);
		break;
	case K_PYTHON:
		config_mapping(ctx, v, "python", python_keys, P_NKEYS,
		    python_key, NULL);
		break;
	case K_ENV:
		env_key(ctx, v);
		break;
	case K_ALLOW_CLIENT_GROUPS:
		config_get_bool(ctx, what, v, &cfg->allow_client_groups);
		break;
	case K_ROUTES:
		config_routes(ctx, v);
		break;
	}
}

/* Reads the top-level mapping into ctx->cfg. */
void
config_top(struct config_ctx *ctx, yaml_node_t *root)
{
	config_mapping(ctx, root, NULL, top_keys, K_NKEYS, top_key, NULL);
}
