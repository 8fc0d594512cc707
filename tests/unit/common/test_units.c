#include "tests/unit/tests.h"
CU_TestInfo units_tests[] = { CU_TEST_INFO_NULL };
