/* Logging: leveled messages to stderr or a file, safe from any thread and
 * any process (one write(2) per line).  Nothing returned needs freeing. */
#ifndef PYFPM_COMMON_LOG_H
#define PYFPM_COMMON_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* Sets the threshold and the process tag ("master", "worker 3"). */
void	log_init(enum log_level level, const char *tag);
/* Sends messages to path ("-" or NULL = stderr); 0, or -1 with errno set. */
int	log_open(const char *path);
/* Reopens the file given to log_open() (SIGUSR1); 0 or -1. */
int	log_reopen(void);
/* Changes the process tag after fork (copied). */
void	log_set_tag(const char *tag);
/* Parses "error", "warn", "info", "debug"; -1 if unknown. */
int	log_level_parse(const char *name);
/* True when messages of this level would be written. */
int	log_enabled(enum log_level level);

/* Warning with ": strerror(errno)" appended. */
void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Warning without errno. */
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Error-level message without errno (a request failed, not the process). */
void	log_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Informational message (starts, stops, reloads). */
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Debug message, written only at log.level debug. */
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Writes one access-log line as is (always written when called). */
void	log_access(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Logs with strerror(errno) and exits 1. */
noreturn void fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Logs and exits 1. */
noreturn void fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
