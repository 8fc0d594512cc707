#include "tests/unit/tests.h"
CU_TestInfo config_tests[] = { CU_TEST_INFO_NULL };
