/* libFuzzer target: any bytes through config_load_buffer() and back out
 * through config_free(), under ASan and UBSan (tests/fuzz/run.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What a config without errors promises its users (config.h, route.h). */
static void
check_valid(const struct config *cfg)
{
	const struct route	*r;
	size_t			 i;

	if (cfg->processes < 1 || cfg->processes > 1024 ||
	    cfg->threads < 1 || cfg->threads > 1024 ||
	    cfg->backlog < 1 || cfg->backlog > 65535 ||
	    cfg->max_interpreters < 0 || cfg->max_interpreters > 10000 ||
	    cfg->max_requests < 0 || cfg->socket_mode > 0777 ||
	    cfg->nroutes == 0 || cfg->listen == NULL || cfg->log_file == NULL)
		abort();
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		if (r->prefix == NULL || r->prefix[0] != '/' ||
		    (r->script == NULL) == (r->scripts_dir == NULL) ||
		    r->callable == NULL || r->group == NULL)
			abort();
		if (strlen(r->prefix) > 1 &&
		    r->prefix[strlen(r->prefix) - 1] == '/')
			abort();
		if ((r->script != NULL && r->script[0] != '/') ||
		    (r->scripts_dir != NULL && r->scripts_dir[0] != '/'))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	size_t		 i;

	cfg = config_load_buffer("fuzz.yaml", (const char *)data, size);
	if (cfg == NULL)
		return 0;
	/* Every message must be a whole string naming the file. */
	for (i = 0; i < cfg->nerrors; i++)
		if (strncmp(cfg->errors[i], "fuzz.yaml:", 10) != 0)
			abort();
	if (cfg->nerrors == 0)
		check_valid(cfg);
	config_free(cfg);
	return 0;
}
