#include "tests/unit/tests.h"
CU_TestInfo group_tests[] = { CU_TEST_INFO_NULL };
