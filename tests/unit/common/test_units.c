/* Tests for common/units.c: durations and sizes, driven from tables. */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/units.h"
#include "tests/unit/tests.h"

struct units_case {
	const char	*in;
	int		 rc;
	long long	 want;		/* when rc == 0 */
	const char	*err;		/* when rc == -1 */
};

typedef int (*units_fn)(const char *, long long *, const char **);

static void
units_run(units_fn fn, const struct units_case *t, size_t n)
{
	const char	*err;
	long long	 v;
	size_t		 i;
	int		 rc;

	for (i = 0; i < n; i++) {
		v = -12345;
		err = NULL;
		rc = fn(t[i].in, &v, &err);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (rc != t[i].rc)
			continue;
		if (rc == 0) {
			CU_ASSERT_EQUAL(v, t[i].want);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(err);
			CU_ASSERT_STRING_EQUAL(err, t[i].err);
			CU_ASSERT_EQUAL(v, -12345);
		}
	}
}

#define N(t)	(sizeof(t) / sizeof((t)[0]))

static void
test_units_duration_units(void)
{
	static const struct units_case t[] = {
		{ "0", 0, 0, NULL },
		{ "30", 0, 30000, NULL },
		{ "30s", 0, 30000, NULL },
		{ "250ms", 0, 250, NULL },
		{ "0ms", 0, 0, NULL },
		{ "2m", 0, 120000, NULL },
		{ "1h", 0, 3600000, NULL },
		{ "60s", 0, 60000, NULL },
		{ "30 s", 0, 30000, NULL },
		{ "007s", 0, 7000, NULL },
	};

	units_run(units_duration_ms, t, N(t));
}

static void
test_units_duration_rejects(void)
{
	static const struct units_case t[] = {
		{ "", -1, 0, "empty value" },
		{ "-1s", -1, 0, "negative value" },
		{ "s", -1, 0, "not a number" },
		{ "abc", -1, 0, "not a number" },
		{ " 5s", -1, 0, "not a number" },
		{ "+5s", -1, 0, "not a number" },
		{ "5x", -1, 0, "unknown unit (use ms, s, m or h)" },
		{ "5S", -1, 0, "unknown unit (use ms, s, m or h)" },
		{ "5sec", -1, 0, "unknown unit (use ms, s, m or h)" },
		{ "5s5", -1, 0, "unknown unit (use ms, s, m or h)" },
		{ "1.5s", -1, 0,
		    "fractions are not allowed (use a smaller unit)" },
		{ "99999999999999999999", -1, 0, "value too large" },
		{ "9223372036854775807h", -1, 0, "value too large" },
		{ "9223372036854776s", -1, 0, "value too large" },
	};

	units_run(units_duration_ms, t, N(t));
	CU_ASSERT_EQUAL(units_duration_ms(NULL, &(long long){ 0 },
	    &(const char *){ NULL }), -1);
}

static void
test_units_duration_limits(void)
{
	static const struct units_case t[] = {
		{ "9223372036854775807ms", 0, LLONG_MAX, NULL },
		{ "9223372036854775s", 0, 9223372036854775000LL, NULL },
		{ "9223372036854775808ms", -1, 0, "value too large" },
	};

	units_run(units_duration_ms, t, N(t));
}

static void
test_units_size_suffixes(void)
{
	static const struct units_case t[] = {
		{ "0", 0, 0, NULL },
		{ "512", 0, 512, NULL },
		{ "1K", 0, 1024, NULL },
		{ "1k", 0, 1024, NULL },
		{ "100M", 0, 100LL * 1024 * 1024, NULL },
		{ "3m", 0, 3LL * 1024 * 1024, NULL },
		{ "2G", 0, 2LL * 1024 * 1024 * 1024, NULL },
		{ "2g", 0, 2LL * 1024 * 1024 * 1024, NULL },
		{ "8 M", 0, 8LL * 1024 * 1024, NULL },
		{ "8589934591G", 0, 8589934591LL << 30, NULL },
	};

	units_run(units_size_bytes, t, N(t));
}

static void
test_units_size_rejects(void)
{
	static const struct units_case t[] = {
		{ "", -1, 0, "empty value" },
		{ "-5M", -1, 0, "negative value" },
		{ "M", -1, 0, "not a number" },
		{ "ten", -1, 0, "not a number" },
		{ "5T", -1, 0, "unknown unit (use K, M or G)" },
		{ "5MB", -1, 0, "unknown unit (use K, M or G)" },
		{ "5KiB", -1, 0, "unknown unit (use K, M or G)" },
		{ "1.5M", -1, 0,
		    "fractions are not allowed (use a smaller unit)" },
		{ "8589934592G", -1, 0, "value too large" },
		{ "9223372036854775808", -1, 0, "value too large" },
	};

	units_run(units_size_bytes, t, N(t));
}

CU_TestInfo units_tests[] = {
	{ "test_units_duration_units", test_units_duration_units },
	{ "test_units_duration_rejects", test_units_duration_rejects },
	{ "test_units_duration_limits", test_units_duration_limits },
	{ "test_units_size_suffixes", test_units_size_suffixes },
	{ "test_units_size_rejects", test_units_size_rejects },
	CU_TEST_INFO_NULL
};
