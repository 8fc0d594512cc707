/* Unit-test runner for common/ and config/: links no Python. */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "common/log.h"
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
	unsigned int	failed;

	/* Warnings from the code under test would only clutter the report. */
	log_init(LOG_LEVEL_ERROR, "test");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "run_core: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
	    CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed > 0 ? 1 : 0;
}
