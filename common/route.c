/* Routes: the request path (SPEC "A request's way through", step 1), the
 * longest prefix at '/' boundaries (step 2) and the SCRIPT_NAME/PATH_INFO
 * split the app sees (step 3). */
#include "common/route.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
route_prefix_normalize(char *prefix, const char **errstr)
{
	const unsigned char	*r;
	char			*w;

	if (prefix == NULL || prefix[0] == '\0') {
		*errstr = "empty route prefix";
		return -1;
	}
	if (prefix[0] != '/') {
		*errstr = "route prefix must start with '/'";
		return -1;
	}
	for (r = (const unsigned char *)prefix; *r != '\0'; r++) {
		if (*r == '%' || *r == '?' || *r == '#') {
			*errstr = "route prefix is a decoded path: no '%', '?' "
			    "or '#'";
			return -1;
		}
		if (*r < 0x20 || *r == 0x7f) {
			*errstr = "route prefix holds a control character";
			return -1;
		}
	}
	/* Refuse "." and ".." segments before touching the caller's text. */
	for (r = (const unsigned char *)prefix; *r != '\0'; r++) {
		if (*r != '.' || r[-1] != '/')
			continue;
		if (r[1] == '/' || r[1] == '\0' ||
		    (r[1] == '.' && (r[2] == '/' || r[2] == '\0'))) {
			*errstr = "route prefix holds a \".\" or \"..\" segment";
			return -1;
		}
	}
	/* Collapse runs of '/'. */
	w = prefix;
	r = (const unsigned char *)prefix;
	while (*r != '\0') {
		while (*r == '/')
			r++;
		*w++ = '/';
		while (*r != '\0' && *r != '/')
			*w++ = *r++;
	}
	/* Drop the trailing '/' the loop leaves for "/a/" (not the root's). */
	if (w - prefix > 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return 0;
}
