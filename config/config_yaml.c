/* The config loader's plumbing: collecting errors with their positions,
 * reading typed scalars from libyaml nodes, walking mappings against a key
 * table, and resolving paths. */
#include "config/config_priv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "common/units.h"

#define CONFIG_MAX_KEYS		32	/* longest key table */
#define CONFIG_SUGGEST_MAX	64	/* keys longer get no suggestion */
#define CONFIG_QUOTE_MAX	48	/* characters shown of a bad value */

static char *
config_vfmt(const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*s;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *
config_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = config_vfmt(fmt, ap);
	va_end(ap);
	return s;
}

static int
config_mark_int(size_t v)
{
	return v >= INT_MAX ? INT_MAX : (int)v + 1;
}

static void
config_push(struct config_ctx *ctx, int line, int col, char *text)
{
	struct config_msg	*m;
	size_t			 cap;

	if (text == NULL) {
		ctx->oom = true;
		return;
	}
	if (ctx->nmsgs == ctx->msgcap) {
		cap = ctx->msgcap == 0 ? 8 : ctx->msgcap * 2;
		m = reallocarray(ctx->msgs, cap, sizeof(*m));
		if (m == NULL) {
			free(text);
			ctx->oom = true;
			return;
		}
		ctx->msgs = m;
		ctx->msgcap = cap;
	}
	m = &ctx->msgs[ctx->nmsgs];
	m->line = line;
	m->col = col;
	m->seq = ctx->nmsgs;
	m->text = text;
	ctx->nmsgs++;
}

/* Records "FILE:LINE:COL: message"; libyaml marks count from 0. */
void
config_error(struct config_ctx *ctx, const yaml_mark_t *mark,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	int	 line, col;

	va_start(ap, fmt);
	msg = config_vfmt(fmt, ap);
	va_end(ap);
	if (msg == NULL) {
		ctx->oom = true;
		return;
	}
	line = config_mark_int(mark->line);
	col = config_mark_int(mark->column);
	config_push(ctx, line, col, config_fmt("%s:%d:%d: %s", ctx->name,
	    line, col, msg));
	free(msg);
}

/* Records "FILE: message", for problems with the file as a whole. */
void
config_error_file(struct config_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = config_vfmt(fmt, ap);
	va_end(ap);
	if (msg == NULL) {
		ctx->oom = true;
		return;
	}
	config_push(ctx, 0, 0, config_fmt("%s: %s", ctx->name, msg));
	free(msg);
}

static int
config_msg_cmp(const void *a, const void *b)
{
	const struct config_msg	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the collected messages, in file order, into cfg->errors. */
void
config_finish_errors(struct config_ctx *ctx)
{
	struct config	*cfg = ctx->cfg;
	size_t		 i;

	if (ctx->nmsgs == 0)
		return;
	qsort(ctx->msgs, ctx->nmsgs, sizeof(*ctx->msgs), config_msg_cmp);
	cfg->errors = calloc(ctx->nmsgs, sizeof(*cfg->errors));
	if (cfg->errors == NULL) {
		ctx->oom = true;
		return;
	}
	for (i = 0; i < ctx->nmsgs; i++) {
		cfg->errors[i] = ctx->msgs[i].text;
		ctx->msgs[i].text = NULL;
	}
	cfg->nerrors = ctx->nmsgs;
}

char *
config_strdup(struct config_ctx *ctx, const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		ctx->oom = true;
	return d;
}

yaml_node_t *
config_node(struct config_ctx *ctx, int idx)
{
	return yaml_document_get_node(ctx->doc, idx);
}

static const char *
config_value(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool
config_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* YAML's null: an empty plain scalar, "~" or "null" (YAML 1.2 core). */
bool
config_is_null(const yaml_node_t *n)
{
	const char	*v;

	if (!config_plain(n))
		return false;
	v = config_value(n);
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* Writes s in double quotes, escaped and shortened, for messages. */
const char *
config_quote(const char *s, char *buf, size_t size)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 w = 0, shown = 0;

	buf[w++] = '"';
	for (; *p != '\0' && w + 8 < size; p++) {
		if (shown == CONFIG_QUOTE_MAX && (*p & 0xc0) != 0x80) {
			memcpy(buf + w, "...", 3);
			w += 3;
			break;
		}
		if ((*p & 0xc0) != 0x80)
			shown++;
		if (*p == '"' || *p == '\\') {
			buf[w++] = '\\';
			buf[w++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f)
			w += (size_t)snprintf(buf + w, size - w, "\\x%02x", *p);
		else
			buf[w++] = (char)*p;
	}
	buf[w++] = '"';
	buf[w] = '\0';
	return buf;
}

/* What a node is, for "expected X, got Y". */
const char *
config_describe(const yaml_node_t *n, char *buf, size_t size)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (config_is_null(n))
			return "null";
		return config_quote(config_value(n), buf, size);
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* A scalar's text when it is a non-null scalar without NUL bytes. */
static const char *
config_text(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    const char *expected)
{
	char	 b[256];

	if (n->type != YAML_SCALAR_NODE || config_is_null(n)) {
		config_error(ctx, &n->start_mark, "%s: expected %s, got %s",
		    what, expected, config_describe(n, b, sizeof(b)));
		return NULL;
	}
	if (strlen(config_value(n)) != n->data.scalar.length) {
		config_error(ctx, &n->start_mark,
		    "%s: must not contain a NUL character", what);
		return NULL;
	}
	return config_value(n);
}

int
config_get_int(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    long long min, long long max, long long *out)
{
	const char	*v, *p;
	char		*end, b[256];
	long long	 x;

	v = config_plain(n) ? config_value(n) : "";
	p = v + (*v == '-' || *v == '+');
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
		config_error(ctx, &n->start_mark,
		    "%s: expected an integer, got %s", what,
		    config_describe(n, b, sizeof(b)));
		return -1;
	}
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno == ERANGE || x < min || x > max) {
		if (max == LLONG_MAX)
			config_error(ctx, &n->start_mark,
			    "%s: must be %lld or more, got %s", what, min, v);
		else
			config_error(ctx, &n->start_mark,
			    "%s: must be between %lld and %lld, got %s", what,
			    min, max, v);
		return -1;
	}
	*out = x;
	return 0;
}

int
config_get_bool(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char	*v;
	char		 b[256];
	size_t		 i;

	/* YAML 1.2's true/false, and 1.1's yes/no/on/off that PyYAML users
	 * expect; only unquoted, as YAML says. */
	if (config_plain(n)) {
		v = config_value(n);
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcasecmp(v, yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcasecmp(v, no[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	config_error(ctx, &n->start_mark, "%s: expected true or false, got %s",
	    what, config_describe(n, b, sizeof(b)));
	return -1;
}

/* Replaces *out with a copy of the scalar; null gives NULL if nullable. */
int
config_get_string(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    bool nullable, char **out)
{
	const char	*v;
	char		*d;

	if (nullable && config_is_null(n)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if ((v = config_text(ctx, what, n, "a string")) == NULL)
		return -1;
	if ((d = config_strdup(ctx, v)) == NULL)
		return -1;
	free(*out);
	*out = d;
	return 0;
}

/* As config_get_string(), made absolute against the config's directory. */
int
config_get_path(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    bool nullable, char **out)
{
	const char	*v;
	char		*d;

	if (nullable && config_is_null(n)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if ((v = config_text(ctx, what, n, "a path")) == NULL)
		return -1;
	if (*v == '\0') {
		config_error(ctx, &n->start_mark,
		    "%s: expected a path, got an empty string", what);
		return -1;
	}
	if ((d = config_resolve(ctx, v)) == NULL)
		return -1;
	free(*out);
	*out = d;
	return 0;
}

/* Parses a unit-suffixed number (units.h): value, or -1 with errstr. */
typedef int (*units_parse_fn)(const char *, long long *, const char **);

/* Reads a scalar with a unit; one error names the key, value and reason. */
static int
get_with_unit(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    long long *out, const char *hint, units_parse_fn parse)
{
	const char	*v, *err;
	char		 b[256];

	if ((v = config_text(ctx, what, n, hint)) == NULL)
		return -1;
	if (parse(v, out, &err) == -1) {
		config_error(ctx, &n->start_mark, "%s: %s: %s", what,
		    config_quote(v, b, sizeof(b)), err);
		return -1;
	}
	return 0;
}

int
config_get_duration(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    long long *out)
{
	return get_with_unit(ctx, what, n, out, "a duration like \"30s\"",
	    units_duration_ms);
}

int
config_get_size(struct config_ctx *ctx, const char *what, yaml_node_t *n,
    long long *out)
{
	return get_with_unit(ctx, what, n, out, "a size like \"100M\"",
	    units_size_bytes);
}

/* Edit distance with transpositions (optimal string alignment), ignoring
 * case; -1 when a string is too long to bother. */
static int
config_distance(const char *a, const char *b)
{
	int	d[CONFIG_SUGGEST_MAX + 1][CONFIG_SUGGEST_MAX + 1];
	size_t	la = strlen(a), lb = strlen(b), i, j;
	int	cost, v;

	if (la > CONFIG_SUGGEST_MAX || lb > CONFIG_SUGGEST_MAX)
		return -1;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

static void
config_unknown_key(struct config_ctx *ctx, yaml_node_t *k, const char *section,
    const char *const *keys, int nkeys)
{
	const char	*best = NULL;
	char		 q[256], in[64] = "";
	int		 i, d, bestd = INT_MAX, limit;

	for (i = 0; i < nkeys; i++) {
		d = config_distance(config_value(k), keys[i]);
		limit = strlen(keys[i]) <= 4 ? 1 : (int)strlen(keys[i]) / 3;
		if (d >= 0 && d <= limit && d < bestd) {
			bestd = d;
			best = keys[i];
		}
	}
	if (section != NULL)
		snprintf(in, sizeof(in), " in %s", section);
	config_quote(config_value(k), q, sizeof(q));
	if (best != NULL)
		config_error(ctx, &k->start_mark,
		    "unknown key %s%s (did you mean \"%s\"?)", q, in, best);
	else
		config_error(ctx, &k->start_mark, "unknown key %s%s", q, in);
}

static int
config_key_index(const yaml_node_t *k, const char *const *keys, int nkeys)
{
	int	i;

	if (strlen(config_value(k)) != k->data.scalar.length)
		return -1;
	for (i = 0; i < nkeys; i++)
		if (strcmp(config_value(k), keys[i]) == 0)
			return i;
	return -1;
}

/*
 * Walks a mapping whose keys come from keys[0..nkeys), calling fn once per
 * known key; reports other keys, duplicates and non-scalar keys.  A null
 * node is an empty mapping.  section names the mapping in messages ("log"),
 * NULL for the top level.
 */
void
config_mapping(struct config_ctx *ctx, yaml_node_t *n, const char *section,
    const char *const *keys, int nkeys, config_key_fn fn, void *arg)
{
	const yaml_node_t	*seen[CONFIG_MAX_KEYS] = { NULL };
	yaml_node_pair_t	*p;
	yaml_node_t		*k, *v;
	char			 b[256];
	int			 idx;

	if (config_is_null(n))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		config_error(ctx, &n->start_mark, "%s: expected a mapping, "
		    "got %s", section, config_describe(n, b, sizeof(b)));
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = config_node(ctx, p->key);
		v = config_node(ctx, p->value);
		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			config_error(ctx, &k->start_mark,
			    "expected a key name, got %s",
			    config_describe(k, b, sizeof(b)));
			continue;
		}
		if ((idx = config_key_index(k, keys, nkeys)) == -1 ||
		    idx >= CONFIG_MAX_KEYS) {
			config_unknown_key(ctx, k, section, keys, nkeys);
			continue;
		}
		if (seen[idx] != NULL) {
			config_error(ctx, &k->start_mark,
			    "duplicate key \"%s\" (first at line %d)",
			    keys[idx],
			    config_mark_int(seen[idx]->start_mark.line));
			continue;
		}
		seen[idx] = k;
		fn(ctx, idx, k, v, arg);
	}
}

/* Removes "//", "/./" and a trailing "/" from an absolute path, in place;
 * ".." is kept, as symlinks make it mean something else than it looks. */
static void
config_clean_path(char *path)
{
	char	*r = path, *w = path;

	while (*r != '\0') {
		if (*r != '/') {
			*w++ = *r++;
			continue;
		}
		while (r[1] == '/')
			r++;
		if (r[1] == '.' && (r[2] == '/' || r[2] == '\0')) {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	if (w - path > 1 && w[-1] == '/')
		w--;
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

/* Makes p absolute against the config file's directory.  Caller frees. */
char *
config_resolve(struct config_ctx *ctx, const char *p)
{
	char	*d;

	if (p[0] == '/')
		d = strdup(p);
	else
		d = config_fmt("%s/%s", ctx->basedir, p);
	if (d == NULL) {
		ctx->oom = true;
		return NULL;
	}
	config_clean_path(d);
	return d;
}

struct config_dup {
	const char	*name;
	size_t		 idx;
};

static int
config_dup_cmp(const void *a, const void *b)
{
	const struct config_dup	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * For names[0..n) (NULL entries are skipped), sets first[i] to the index of
 * the first earlier equal name, else CONFIG_NO_DUP.  Sorting keeps this
 * O(n log n) however long the list.  Returns 0, or -1 when out of memory.
 */
int
config_dups(const char **names, size_t n, size_t *first)
{
	struct config_dup	*d;
	size_t			 i, m = 0, run = 0;

	if ((d = calloc(n, sizeof(*d))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		first[i] = CONFIG_NO_DUP;
		if (names[i] != NULL) {
			d[m].name = names[i];
			d[m++].idx = i;
		}
	}
	qsort(d, m, sizeof(*d), config_dup_cmp);
	for (i = 1; i < m; i++) {
		if (strcmp(d[i].name, d[run].name) == 0)
			first[d[i].idx] = d[run].idx;
		else
			run = i;
	}
	free(d);
	return 0;
}
