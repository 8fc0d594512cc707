/* The CUnit runners' shared main.  A suite whose init fails has failed,
 * not been skipped (STYLE.md 11). */
#include "tests/unit/runner.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "common/log.h"

/* automake's AM_TESTS_FD_REDIRECT gives fd 9 the terminal of make check. */
static void
summary(const char *name, const CU_RunSummary *rs, unsigned int failed)
{
	if (fcntl(9, F_GETFD) == -1)
		return;
	dprintf(9, "%s: CUnit: %u suites, %u tests run, %u asserts, "
	    "%u failures, %u suites failed%s\n", name, rs->nSuitesRun,
	    rs->nTestsRun, rs->nAsserts, rs->nTestsFailed,
	    rs->nSuitesFailed, failed > 0 ? "  <-- FAILED" : "");
}

int
runner_main(const char *name, CU_SuiteInfo *suites)
{
	unsigned int	failed;

	/* Warnings from the code under test would only clutter the report. */
	log_init(LOG_LEVEL_ERROR, "test");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", name, CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
	    CU_get_number_of_suites_failed();
	summary(name, CU_get_run_summary(), failed);
	CU_cleanup_registry();
	return failed > 0 ? 1 : 0;
}
