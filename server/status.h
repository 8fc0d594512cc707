/* The status page (status_path): the scoreboard as plain text or JSON. */
#ifndef PYFPM_SERVER_STATUS_H
#define PYFPM_SERVER_STATUS_H

#include <stdbool.h>
#include <stddef.h>

struct scoreboard;

/*
 * Renders every worker and thread of sb (this worker's generation) as text,
 * or as JSON when json is true.  Returns a NUL-terminated string the caller
 * frees (length in *len), or NULL when out of memory.  Any thread.
 */
char	*status_render(struct scoreboard *sb, bool json, size_t *len);

#endif
