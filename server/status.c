/* The status page: a read-only view of the shared scoreboard.  Slots are
 * written by other threads and processes while we read; a torn group or URI
 * string only ever shows in this page, never in a decision. */
#include "server/status.h"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scoreboard.h"

struct out {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	bool	 failed;
};

static void
put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		if ((p = realloc(o->buf, o->cap * 2 + (size_t)n)) == NULL) {
			o->failed = true;
			return;
		}
		o->buf = p;
		o->cap = o->cap * 2 + (size_t)n;
	}
}

/* Copies a slot string that another thread may be rewriting. */
static void
snap(char *dst, const char *src, size_t size)
{
	memcpy(dst, src, size);
	dst[size - 1] = '\0';
}

/* Writes s as a JSON string body (no quotes), escaping what JSON needs. */
static void
put_json_string(struct out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			put(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			put(o, "\\u%04x", (unsigned char)*s);
		else
			put(o, "%c", *s);
	}
}

static void
render_thread(struct out *o, struct scoreboard_thread *st, int t, bool json,
    long long now)
{
	char		group[SCOREBOARD_GROUP_MAX], uri[SCOREBOARD_URI_MAX];
	bool		busy = atomic_load(&st->state) == SCOREBOARD_BUSY;
	long long	ms = busy ? now - atomic_load(&st->started_ms) : 0;

	snap(group, st->group, sizeof(group));
	snap(uri, st->uri, sizeof(uri));
	if (!json) {
		put(o, "  thread %d: %s requests %lu", t, busy ? "busy" : "idle",
		    atomic_load(&st->requests));
		if (busy)
			put(o, " for %lldms group \"%s\" uri %s", ms, group, uri);
		put(o, "\n");
		return;
	}
	put(o, "%s{\"thread\":%d,\"state\":\"%s\",\"requests\":%lu",
	    t ? "," : "", t, busy ? "busy" : "idle", atomic_load(&st->requests));
	if (busy) {
		put(o, ",\"ms\":%lld,\"group\":\"", ms);
		put_json_string(o, group);
		put(o, "\",\"uri\":\"");
		put_json_string(o, uri);
		put(o, "\"");
	}
	put(o, "}");
}

static void
render_worker(struct out *o, struct scoreboard *sb, int i, bool json,
    long long now)
{
	struct scoreboard_worker	*w = scoreboard_worker(sb, i);
	pid_t				 pid = atomic_load(&w->pid);
	long long			 up;
	int				 t;

	up = pid > 0 ? (now - atomic_load(&w->started_ms)) / 1000 : 0;
	if (json)
		put(o, "%s{\"slot\":%d,\"pid\":%ld,\"generation\":%d,"
		    "\"uptime\":%lld,\"threads\":[", i ? "," : "", i, (long)pid,
		    atomic_load(&w->generation), up);
	else
		put(o, "worker %d: pid %ld generation %d up %llds%s\n", i,
		    (long)pid, atomic_load(&w->generation), up,
		    pid > 0 ? "" : " (not running)");
	for (t = 0; t < sb->nthreads; t++)
		render_thread(o, scoreboard_thread(sb, i, t), t, json, now);
	if (json)
		put(o, "]}");
}

char *
status_render(struct scoreboard *sb, bool json, size_t *len)
{
	struct out	o = { NULL, 0, 4096, false };
	long long	now = scoreboard_now_ms();
	int		i;

	if ((o.buf = malloc(o.cap)) == NULL)
		return NULL;
	if (json)
		put(&o, "{\"version\":\"%s\",\"master_pid\":%ld,\"processes\":%d,"
		    "\"threads\":%d,\"workers\":[", PACKAGE_VERSION,
		    (long)getppid(), sb->nworkers, sb->nthreads);
	else
		put(&o, "pyfpm %s, master pid %ld: %d processes x %d threads\n",
		    PACKAGE_VERSION, (long)getppid(), sb->nworkers,
		    sb->nthreads);
	for (i = 0; i < sb->nworkers; i++)
		render_worker(&o, sb, i, json, now);
	if (json)
		put(&o, "]}\n");
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
