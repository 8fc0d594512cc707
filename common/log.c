/* Logging: one write(2) per line so lines from threads and processes never
 * interleave; the fd is swapped atomically on reopen. */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <stdatomic.h>

#define LOG_LINE_MAX	8192

static enum log_level	 log_threshold = LOG_LEVEL_INFO;
static char		 log_tag[32] = "pyfpm";
static _Atomic int	 log_fd = STDERR_FILENO;
static char		*log_path;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_init(enum log_level level, const char *tag)
{
	log_threshold = level;
	if (tag != NULL)
		log_set_tag(tag);
}

void
log_set_tag(const char *tag)
{
	snprintf(log_tag, sizeof(log_tag), "%s", tag);
}

int
log_level_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcasecmp(name, log_names[i]) == 0)
			return (int)i;
	return -1;
}

int
log_enabled(enum log_level level)
{
	return level <= log_threshold;
}

static int
open_log_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
log_open(const char *path)
{
	int	 fd, old;
	char	*copy = NULL;

	if (path == NULL || strcmp(path, "-") == 0) {
		fd = STDERR_FILENO;
	} else {
		if ((copy = strdup(path)) == NULL)
			return -1;
		if ((fd = open_log_file(path)) == -1) {
			free(copy);
			return -1;
		}
	}
	old = atomic_exchange(&log_fd, fd);
	if (old != STDERR_FILENO && old != fd)
		close(old);
	free(log_path);
	log_path = copy;
	return 0;
}

int
log_reopen(void)
{
	int	fd, old;

	if (log_path == NULL)
		return 0;
	if ((fd = open_log_file(log_path)) == -1)
		return -1;
	old = atomic_exchange(&log_fd, fd);
	if (old != STDERR_FILENO)
		close(old);
	return 0;
}

/* Formats "UTC-time [level] tag[pid]: message[: strerror]\n" and writes
 * it at once. */
static void
vlog(const char *level, int errnum, const char *fmt, va_list ap)
{
	char		 line[LOG_LINE_MAX];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;
	int		 r;

	/* UTC: an app calling tzset() (Django does) must not shift the
	 * clock of one process's lines against the others'. */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ [%s] %s[%ld]: ",
	    ts.tv_nsec / 1000000, level, log_tag, (long)getpid());
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	if (errnum != 0 && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(errnum));
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ?
			    (size_t)r : sizeof(line) - n - 1;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: concurrent writers never interleave mid-line. */
	if (write(atomic_load(&log_fd), line, n) == -1) {
		/* nowhere left to report it */
	}
}

#define LOG_BODY(lvl, name, errnum) do {			\
	va_list	ap;						\
	if (!log_enabled(lvl))					\
		return;						\
	va_start(ap, fmt);					\
	vlog(name, errnum, fmt, ap);				\
	va_end(ap);						\
} while (0)

void
log_warn(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_WARN, "warn", saved);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, "warn", 0);
}

void
log_error(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, "error", 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, "info", 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, "debug", 0);
}

void
log_access(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("access", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog("fatal", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
