/* Unit-test runner for common/ and config/: links no Python. */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "tests/unit/runner.h"
#include "tests/unit/tests.h"

static CU_SuiteInfo suites[] = {
	{ "units", NULL, NULL, NULL, NULL, units_tests },
	{ "route", NULL, NULL, NULL, NULL, route_tests },
	{ "group", NULL, NULL, NULL, NULL, group_tests },
	{ "sock", NULL, NULL, NULL, NULL, sock_tests },
	{ "config", NULL, NULL, NULL, NULL, config_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return runner_main("run_core", suites);
}
