/* The routes: list.  Each entry is read where it stands; the checks that
 * need the whole file (env:, allow_client_groups, the other routes) run in
 * config_routes_check() afterwards. */
#include "config/config_priv.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/group.h"
#include "common/route.h"

enum {
	R_PREFIX,
	R_SCRIPT,
	R_SCRIPTS_DIR,
	R_CALLABLE,
	R_GROUP,
	R_PRELOAD,
	R_RELOAD_ON_CHANGE,
	R_NKEYS
};

static const char *const route_keys[R_NKEYS] = {
	"prefix", "script", "scripts_dir", "callable", "group", "preload",
	"reload_on_change"
};

#define ENV_TOKEN	"%{ENV:"
#define ENV_TOKEN_LEN	(sizeof(ENV_TOKEN) - 1)

static void
route_prefix(struct config_ctx *ctx, yaml_node_t *v, struct route *r,
    struct config_route_pos *pos)
{
	const char	*err;
	char		*p = NULL, b[256];

	pos->has_prefix = true;
	pos->prefix = v->start_mark;
	if (config_get_string(ctx, "prefix", v, false, &p) == -1)
		return;
	/* route_prefix_normalize() leaves the text alone when it fails. */
	if (route_prefix_normalize(p, &err) == -1) {
		config_error(ctx, &v->start_mark, "prefix: %s: %s",
		    config_quote(p, b, sizeof(b)), err);
		free(p);
		return;
	}
	r->prefix = p;
	pos->prefix_ok = true;
}

static void
route_scripts_dir(struct config_ctx *ctx, yaml_node_t *v, struct route *r)
{
	struct stat	 st;
	char		 b[256];

	if (config_get_path(ctx, "scripts_dir", v, false,
	    &r->scripts_dir) == -1)
		return;
	/* Nothing could ever be served from a missing directory. */
	if (stat(r->scripts_dir, &st) == -1)
		config_error(ctx, &v->start_mark, "scripts_dir: %s: %s",
		    config_quote(r->scripts_dir, b, sizeof(b)),
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		config_error(ctx, &v->start_mark, "scripts_dir: %s: not a "
		    "directory", config_quote(r->scripts_dir, b, sizeof(b)));
}

/* A Python identifier; bytes above 0x7f are let through (PEP 3131). */
static bool
route_identifier(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (*p == '\0' || isdigit(*p))
		return false;
	for (; *p != '\0'; p++)
		if (!isalnum(*p) && *p != '_' && *p < 0x80)
			return false;
	return true;
}

static void
route_callable(struct config_ctx *ctx, yaml_node_t *v, struct route *r)
{
	char	 b[256];

	if (config_get_string(ctx, "callable", v, false, &r->callable) == -1)
		return;
	if (!route_identifier(r->callable))
		config_error(ctx, &v->start_mark,
		    "callable: %s is not a Python identifier",
		    config_quote(r->callable, b, sizeof(b)));
}

static void
route_key(struct config_ctx *ctx, int idx, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	size_t			 i = *(size_t *)arg;
	struct route		*r = &ctx->cfg->routes[i];
	struct config_route_pos	*pos = &ctx->rpos[i];

	switch (idx) {
	case R_PREFIX:
		route_prefix(ctx, v, r, pos);
		break;
	case R_SCRIPT:
		pos->has_script = true;
		pos->script = v->start_mark;
		config_get_path(ctx, "script", v, false, &r->script);
		break;
	case R_SCRIPTS_DIR:
		pos->has_scripts_dir = true;
		pos->scripts_dir = v->start_mark;
		route_scripts_dir(ctx, v, r);
		break;
	case R_CALLABLE:
		route_callable(ctx, v, r);
		break;
	case R_GROUP:
		pos->has_group = true;
		pos->group = v->start_mark;
		config_get_string(ctx, "group", v, false, &r->group);
		break;
	case R_PRELOAD:
		pos->preload = v->start_mark;
		config_get_bool(ctx, "preload", v, &r->preload);
		break;
	case R_RELOAD_ON_CHANGE:
		config_get_bool(ctx, "reload_on_change", v,
		    &r->reload_on_change);
		break;
	}
}

static void
route_item(struct config_ctx *ctx, yaml_node_t *item)
{
	struct config	*cfg = ctx->cfg;
	struct route	*r;
	size_t		 i;
	char		 b[256];

	if (item->type != YAML_MAPPING_NODE) {
		config_error(ctx, &item->start_mark, "routes: expected a route "
		    "(a mapping), got %s", config_describe(item, b, sizeof(b)));
		return;
	}
	i = cfg->nroutes++;
	r = &cfg->routes[i];
	r->callable = config_strdup(ctx, ROUTE_DEFAULT_CALLABLE);
	r->group = config_strdup(ctx, ROUTE_DEFAULT_GROUP);
	r->line = (int)item->start_mark.line + 1;
	r->col = (int)item->start_mark.column + 1;
	ctx->rpos[i].map = item->start_mark;
	config_mapping(ctx, item, "route", route_keys, R_NKEYS, route_key, &i);
}

/*
 * Reads the routes: value; entries that are not mappings are reported and
 * left out.  A route listed again through an alias would only repeat its
 * prefix, and walking it again would let a small file make a huge amount
 * of work ("billion laughs"): it is reported once and not read again.
 */
void
config_routes(struct config_ctx *ctx, yaml_node_t *n)
{
	struct config	*cfg = ctx->cfg;
	yaml_node_item_t *it;
	yaml_node_t	*item;
	size_t		 count;
	bool		*seen;
	char		 b[256];

	ctx->routes_seen = true;
	if (n->type == YAML_SEQUENCE_NODE)
		count = (size_t)(n->data.sequence.items.top -
		    n->data.sequence.items.start);
	else if (config_is_null(n))
		count = 0;
	else {
		config_error(ctx, &n->start_mark, "routes: expected a list of "
		    "routes, got %s", config_describe(n, b, sizeof(b)));
		return;
	}
	if (count == 0) {
		config_error(ctx, &n->start_mark,
		    "routes: at least one route is needed");
		return;
	}
	cfg->routes = calloc(count, sizeof(*cfg->routes));
	ctx->rpos = calloc(count, sizeof(*ctx->rpos));
	seen = calloc((size_t)(ctx->doc->nodes.top - ctx->doc->nodes.start) +
	    1, sizeof(*seen));
	if (cfg->routes == NULL || ctx->rpos == NULL || seen == NULL) {
		free(seen);
		ctx->oom = true;
		return;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		if ((item = config_node(ctx, *it)) == NULL)
			continue;
		if (seen[*it]) {
			config_error(ctx, &item->start_mark, "routes: the route "
			    "at line %zu is listed again through an alias",
			    item->start_mark.line + 1);
			continue;
		}
		seen[*it] = true;
		route_item(ctx, item);
	}
	free(seen);
}

static const char *
route_env_lookup(const struct config *cfg, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < cfg->nenv; i++)
		if (strlen(cfg->env[i].name) == len &&
		    memcmp(cfg->env[i].name, name, len) == 0)
			return cfg->env[i].value;
	return NULL;
}

/*
 * A preloaded interpreter is created before any request, so its name must
 * not depend on one: a literal, %{GLOBAL}, or %{ENV:NAME} with NAME set
 * under env: (whose value may name %{GLOBAL} in turn, SPEC "Group names").
 */
static void
route_preload_group(struct config_ctx *ctx, const struct route *r,
    const struct config_route_pos *pos)
{
	const char	*name, *val;
	char		 g[256], b[256];
	size_t		 len;

	config_quote(r->group, g, sizeof(g));
	switch (group_kind(r->group)) {
	case GROUP_LITERAL:
	case GROUP_GLOBAL:
		return;
	case GROUP_ENV:
		break;
	default:
		config_error(ctx, &pos->preload, "preload: group %s depends on "
		    "the request, so it cannot be created before one arrives "
		    "(use a literal group, %%{GLOBAL}, or %%{ENV:NAME} with "
		    "NAME set under env:)", g);
		return;
	}
	name = r->group + ENV_TOKEN_LEN;
	len = strlen(name) - 1;
	if ((val = route_env_lookup(ctx->cfg, name, len)) == NULL) {
		config_error(ctx, &pos->preload, "preload: group %s depends on "
		    "the request unless %.*s is set under env:", g, (int)len,
		    name);
		return;
	}
	if (val[0] == '%' && val[1] == '{' &&
	    strncmp(val, ENV_TOKEN, ENV_TOKEN_LEN) != 0 &&
	    group_kind(val) != GROUP_LITERAL && group_kind(val) != GROUP_GLOBAL)
		config_error(ctx, &pos->preload, "preload: group %s expands to "
		    "%s, which depends on the request", g,
		    config_quote(val, b, sizeof(b)));
}

static void
route_preload(struct config_ctx *ctx, const struct route *r,
    const struct config_route_pos *pos)
{
	struct stat	 st;
	char		 b[256];

	if (pos->has_scripts_dir) {
		config_error(ctx, &pos->preload, "preload: a scripts_dir route "
		    "cannot be preloaded (its scripts are named by requests)");
		return;
	}
	if (r->script != NULL) {
		if (stat(r->script, &st) == -1)
			config_error(ctx, &pos->script, "script: %s: %s "
			    "(preload: true needs it)",
			    config_quote(r->script, b, sizeof(b)),
			    strerror(errno));
		else if (!S_ISREG(st.st_mode))
			config_error(ctx, &pos->script, "script: %s: not a "
			    "regular file (preload: true needs it)",
			    config_quote(r->script, b, sizeof(b)));
	}
	if (r->group != NULL)
		route_preload_group(ctx, r, pos);
}

static void
route_check(struct config_ctx *ctx, size_t i, size_t first)
{
	const struct config		*cfg = ctx->cfg;
	const struct route		*r = &cfg->routes[i];
	const struct config_route_pos	*pos = &ctx->rpos[i];
	char				 b[256];

	if (!pos->has_prefix)
		config_error(ctx, &pos->map, "route has no prefix");
	if (first != CONFIG_NO_DUP)
		config_error(ctx, &pos->prefix, "duplicate prefix %s (first at "
		    "line %zu)", config_quote(r->prefix, b, sizeof(b)),
		    ctx->rpos[first].prefix.line + 1);
	if (pos->has_script && pos->has_scripts_dir)
		config_error(ctx, &pos->map,
		    "route has both script and scripts_dir (use one)");
	else if (!pos->has_script && !pos->has_scripts_dir)
		config_error(ctx, &pos->map,
		    "route needs a script or a scripts_dir");
	if (r->group != NULL && group_is_client_controlled(r->group) &&
	    !cfg->allow_client_groups)
		config_error(ctx, &pos->group, "group: %s comes from a request "
		    "header, so any client could choose (and multiply) "
		    "interpreters; set allow_client_groups: true to allow it",
		    config_quote(r->group, b, sizeof(b)));
	if (r->preload)
		route_preload(ctx, r, pos);
}

/* The checks that need the whole file; run once after reading it. */
void
config_routes_check(struct config_ctx *ctx)
{
	const struct config	*cfg = ctx->cfg;
	const char		**prefixes;
	size_t			 i, *first;

	if (!ctx->routes_seen)
		config_error(ctx, &ctx->top, "no routes: add a routes: list "
		    "with at least one route");
	if (cfg->nroutes == 0)
		return;
	prefixes = calloc(cfg->nroutes, sizeof(*prefixes));
	first = calloc(cfg->nroutes, sizeof(*first));
	if (prefixes == NULL || first == NULL)
		goto fail;
	for (i = 0; i < cfg->nroutes; i++)
		if (ctx->rpos[i].prefix_ok)
			prefixes[i] = cfg->routes[i].prefix;
	if (config_dups(prefixes, cfg->nroutes, first) == -1)
		goto fail;
	for (i = 0; i < cfg->nroutes; i++)
		route_check(ctx, i, first[i]);
	free(prefixes);
	free(first);
	return;
fail:
	ctx->oom = true;
	free(prefixes);
	free(first);
}
