/* The configuration: YAML (libyaml's document API) to one typed struct
 * config.  Every problem is collected with its position rather than
 * stopping at the first, so `pyfpm -t` can list them all (SPEC
 * "Configuration (YAML)"). */
#include "config/config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/log.h"
#include "common/route.h"
#include "common/sock.h"
#include "config/config_priv.h"

#define CONFIG_FILE_MAX		(16 * 1024 * 1024)

/* Line and column of a byte offset, for reader errors that carry no mark. */
static yaml_mark_t
offset_mark(const char *buf, size_t len, size_t off)
{
	yaml_mark_t	 m = { off, 0, 0 };
	size_t		 i, bol = 0;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			m.line++;
			bol = i + 1;
		}
	}
	m.column = off - bol;
	return m;
}

static void
syntax_error(struct config_ctx *ctx, const yaml_parser_t *p, const char *buf,
    size_t len)
{
	const char	*problem = p->problem != NULL ? p->problem :
			    "syntax error";
	yaml_mark_t	 m;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		ctx->oom = true;
		break;
	case YAML_READER_ERROR:
		m = offset_mark(buf, len, p->problem_offset);
		if (p->problem_value != -1)
			config_error(ctx, &m, "%s (0x%X)", problem,
			    (unsigned int)p->problem_value);
		else
			config_error(ctx, &m, "%s", problem);
		break;
	default:
		if (p->context != NULL)
			config_error(ctx, &p->problem_mark,
			    "%s (%s at line %zu, column %zu)", problem,
			    p->context,
			    p->context_mark.line + 1,
			    p->context_mark.column + 1);
		else
			config_error(ctx, &p->problem_mark, "%s", problem);
		break;
	}
}

static void
check_top(struct config_ctx *ctx, yaml_node_t *root)
{
	struct config	*cfg = ctx->cfg;
	yaml_mark_t	 start = { 0, 0, 0 };
	char		 b[256];

	if (root == NULL || config_is_null(root)) {
		config_error(ctx, root != NULL ? &root->start_mark : &start,
		    "empty configuration: expected a mapping of settings");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		config_error(ctx, &root->start_mark, "the top level must be a "
		    "mapping of settings, got %s",
		    config_describe(root, b, sizeof(b)));
		return;
	}
	ctx->top = root->start_mark;
	config_top(ctx, root);
	config_routes_check(ctx);
	if (cfg->status_path != NULL && cfg->ping_path != NULL &&
	    strcmp(cfg->status_path, cfg->ping_path) == 0)
		config_error(ctx, &ctx->ping_mark,
		    "ping_path: same as status_path");
}

static void
parse(struct config_ctx *ctx, const char *buf, size_t len)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc, extra;
	yaml_node_t	*root, *n;

	if (!yaml_parser_initialize(&parser)) {
		ctx->oom = true;
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(ctx, &parser, buf, len);
		yaml_parser_delete(&parser);
		return;
	}
	ctx->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	check_top(ctx, root);
	ctx->doc = NULL;
	/* A second document would be ignored without a word: refuse it. */
	if (root != NULL) {
		if (!yaml_parser_load(&parser, &extra))
			syntax_error(ctx, &parser, buf, len);
		else {
			if ((n = yaml_document_get_root_node(&extra)) != NULL)
				config_error(ctx, &n->start_mark, "only one "
				    "YAML document is allowed");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

/* Reads a whole file; NULL with errno set on failure.  Caller frees. */
static char *
read_file(const char *path, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap > CONFIG_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

static struct config *
config_new(const char *file)
{
	struct config	*cfg;
	const char	*err;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->file = strdup(file);
	cfg->listen = strdup(CONFIG_DEFAULT_LISTEN);
	cfg->log_file = strdup("-");
	if (cfg->file == NULL || cfg->listen == NULL || cfg->log_file == NULL ||
	    sock_parse_addr(cfg->listen, &cfg->listen_addr, &err) == -1) {
		config_free(cfg);
		return NULL;
	}
	cfg->socket_mode = -1;
	cfg->backlog = CONFIG_DEFAULT_BACKLOG;
	cfg->processes = CONFIG_DEFAULT_PROCESSES;
	cfg->threads = CONFIG_DEFAULT_THREADS;
	cfg->request_timeout_ms = CONFIG_DEFAULT_REQUEST_TIMEOUT;
	cfg->graceful_timeout_ms = CONFIG_DEFAULT_GRACEFUL_TIMEOUT;
	cfg->max_body = CONFIG_DEFAULT_MAX_BODY;
	cfg->max_interpreters = CONFIG_DEFAULT_MAX_INTERPRETERS;
	cfg->log_level = LOG_LEVEL_INFO;
	return cfg;
}

/* Makes ctx->basedir the directory relative paths start from: the config
 * file's (path != NULL), else the current directory. */
static void
set_basedir(struct config_ctx *ctx, const char *path)
{
	char	 cwd[PATH_MAX], *slash;

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		if (path == NULL || path[0] != '/')
			config_error_file(ctx, "cannot find the current "
			    "directory: %s", strerror(errno));
		strcpy(cwd, "/");
	}
	ctx->basedir = cwd;
	if (path == NULL) {
		ctx->basedir = config_resolve(ctx, ".");
		return;
	}
	ctx->basedir = config_resolve(ctx, path);
	if (ctx->basedir != NULL && (slash = strrchr(ctx->basedir, '/')) !=
	    NULL)
		slash[slash == ctx->basedir] = '\0';
}

/* Ends a load: errors in file order, scratch freed; NULL when out of
 * memory. */
static struct config *
finish(struct config_ctx *ctx)
{
	size_t	i;

	config_finish_errors(ctx);
	for (i = 0; i < ctx->nmsgs; i++)
		free(ctx->msgs[i].text);
	free(ctx->msgs);
	free(ctx->rpos);
	free(ctx->basedir);
	if (ctx->oom) {
		config_free(ctx->cfg);
		return NULL;
	}
	return ctx->cfg;
}

struct config *
config_load(const char *path)
{
	struct config_ctx	 ctx;
	char			*buf;
	size_t			 len;

	memset(&ctx, 0, sizeof(ctx));
	if ((ctx.cfg = config_new(path)) == NULL)
		return NULL;
	ctx.name = ctx.cfg->file;
	if ((buf = read_file(path, &len)) == NULL) {
		config_error_file(&ctx, "cannot read: %s", strerror(errno));
		return finish(&ctx);
	}
	set_basedir(&ctx, path);
	if (ctx.basedir != NULL)
		parse(&ctx, buf, len);
	free(buf);
	return finish(&ctx);
}

struct config *
config_load_buffer(const char *name, const char *buf, size_t len)
{
	struct config_ctx	 ctx;

	memset(&ctx, 0, sizeof(ctx));
	if ((ctx.cfg = config_new(name != NULL ? name : "<buffer>")) == NULL)
		return NULL;
	ctx.name = ctx.cfg->file;
	set_basedir(&ctx, NULL);
	if (ctx.basedir != NULL)
		parse(&ctx, buf, len);
	return finish(&ctx);
}

struct config *
config_default(void)
{
	struct config	*cfg;
	struct route	*r;

	if ((cfg = config_new("<built-in>")) == NULL)
		return NULL;
	if ((cfg->routes = calloc(1, sizeof(*cfg->routes))) == NULL)
		goto fail;
	cfg->nroutes = 1;
	r = &cfg->routes[0];
	r->prefix = strdup("/");
	r->callable = strdup(ROUTE_DEFAULT_CALLABLE);
	r->group = strdup(ROUTE_DEFAULT_GROUP);
	if (r->prefix == NULL || r->callable == NULL || r->group == NULL)
		goto fail;
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	free(cfg->file);
	free(cfg->listen);
	free(cfg->socket_owner);
	free(cfg->socket_group);
	free(cfg->allowed_clients);
	free(cfg->user);
	free(cfg->group);
	free(cfg->pid_file);
	free(cfg->status_path);
	free(cfg->ping_path);
	free(cfg->log_file);
	free(cfg->python_home);
	for (i = 0; i < cfg->npython_path; i++)
		free(cfg->python_path[i]);
	free(cfg->python_path);
	for (i = 0; i < cfg->nenv; i++) {
		free(cfg->env[i].name);
		free(cfg->env[i].value);
	}
	free(cfg->env);
	for (i = 0; i < cfg->nroutes; i++) {
		free(cfg->routes[i].prefix);
		free(cfg->routes[i].script);
		free(cfg->routes[i].scripts_dir);
		free(cfg->routes[i].callable);
		free(cfg->routes[i].group);
	}
	free(cfg->routes);
	for (i = 0; i < cfg->nerrors; i++)
		free(cfg->errors[i]);
	free(cfg->errors);
	free(cfg);
}
