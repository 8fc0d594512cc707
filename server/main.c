/* pyfpm: options, config, then the master (SPEC "Command line"). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/log.h"
#include "config/config.h"
#include "server/explain.h"
#include "server/master.h"
#include "server/python/interp.h"

struct options {
	const char	 *config_path;	/* NULL: built-in default */
	bool		  test;		/* -t */
	bool		  detach;	/* -D */
	int		  explain_argc;	/* > 0: --explain and its arguments */
	char		**explain_argv;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pyfpm [-c FILE] [-t] [-D] [-F] [-v] [-h]\n"
	    "       pyfpm [-c FILE] --explain URL [--server NAME] [--port N]"
	    " [--https] [--param K=V]...\n"
	    "  -c FILE   config file (default: $PYFPM_CONFIG, else the built-in"
	    " default)\n"
	    "  -t        check the config and exit (0 valid, 1 not)\n"
	    "  -D        daemonize: detach, write pid_file, log to log.file\n"
	    "  -F        stay in the foreground (the default)\n"
	    "  -v        print versions and exit\n"
	    "  -h        this help\n"
	    "  --explain URL  print the route, script, SCRIPT_NAME, PATH_INFO"
	    " and group a request would get\n");
}

static void
version(void)
{
	printf("pyfpm %s\n", PACKAGE_VERSION);
	printf("python %s\n", interp_python_version());
	printf("libyaml %s\n", yaml_get_version_string());
	printf("libfcgi %s\n", PYFPM_FCGI_VERSION);
}

/* Parses argv; -c may appear anywhere, even among --explain's options. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
	int	i, n = 0;

	memset(o, 0, sizeof(*o));
	o->config_path = getenv("PYFPM_CONFIG");
	if (o->config_path != NULL && *o->config_path == '\0')
		o->config_path = NULL;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			o->config_path = argv[++i];
		} else if (o->explain_argv != NULL) {
			o->explain_argv[n++] = argv[i];
		} else if (strcmp(argv[i], "--explain") == 0) {
			o->explain_argv = calloc((size_t)argc, sizeof(char *));
			if (o->explain_argv == NULL)
				fatal("calloc");
			o->explain_argv[n++] = argv[i];
		} else if (strcmp(argv[i], "-t") == 0) {
			o->test = true;
		} else if (strcmp(argv[i], "-D") == 0) {
			o->detach = true;
		} else if (strcmp(argv[i], "-F") == 0) {
			o->detach = false;
		} else if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			version();
			exit(0);
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "pyfpm: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
	o->explain_argc = n;
}

int
main(int argc, char *argv[])
{
	struct options	 o;
	struct config	*cfg;
	size_t		 i;
	int		 rc;

	log_init(LOG_LEVEL_INFO, "pyfpm");
	parse_options(argc, argv, &o);
	cfg = o.config_path ? config_load(o.config_path) : config_default();
	if (cfg == NULL)
		fatalx("out of memory");
	if (cfg->nerrors > 0) {
		for (i = 0; i < cfg->nerrors; i++)
			fprintf(stderr, "%s\n", cfg->errors[i]);
		if (!o.test)
			fprintf(stderr, "pyfpm: %zu problem%s in %s; not "
			    "starting\n", cfg->nerrors,
			    cfg->nerrors == 1 ? "" : "s", cfg->file);
		config_free(cfg);
		return 1;
	}
	if (o.test) {
		fprintf(stderr, "pyfpm: %s: configuration is valid\n",
		    cfg->file);
		config_free(cfg);
		return 0;
	}
	if (o.explain_argc > 0) {
		rc = explain_main(cfg, o.explain_argc, o.explain_argv, stdout);
		free(o.explain_argv);
		config_free(cfg);
		return rc;
	}
	return master_run(cfg, o.config_path, o.detach);
}
