/* The one place where Python exceptions reach the error log. */
#ifndef PYFPM_SERVER_WSGI_TRACEBACK_H
#define PYFPM_SERVER_WSGI_TRACEBACK_H

/*
 * Logs the current Python exception with its full traceback as error lines
 * `group "NAME" uri URI: ...` (uri NULL: "-"), then clears it.  GIL held;
 * does nothing when no exception is set.
 */
void	wsgi_traceback_log(const char *group, const char *uri);

#endif
