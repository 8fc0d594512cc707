/* Unit-test runner for server/python and server/wsgi: starts Python once
 * in the suite's init and finalizes it in its cleanup (STYLE.md 11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "server/python/interp.h"
#include "tests/unit/runner.h"
#include "tests/unit/tests.h"

/* PYFPM_TEST_OWN_GIL=1 runs every suite in sub-interpreters with their
 * own GIL (Python 3.12 and newer). */
static int
python_init(void)
{
	struct interp_options	 opts = { .max_interpreters = 8 };
	const char		*own = getenv("PYFPM_TEST_OWN_GIL");

	opts.own_gil = own != NULL && *own != '\0' && strcmp(own, "0") != 0;
	return interp_init(&opts) == 0 ? 0 : 1;
}

static int
python_cleanup(void)
{
	interp_shutdown();
	return 0;
}

static CU_SuiteInfo suites[] = {
	{ "wsgi", python_init, python_cleanup, NULL, NULL, wsgi_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return runner_main("run_python", suites);
}
