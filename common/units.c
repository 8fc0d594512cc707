/* Durations and sizes as written in the config ("30s", "100M"): a
 * non-negative decimal integer and an optional unit, nothing else. */
#include "common/units.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

struct units_suffix {
	const char	*name;
	long long	 factor;
};

/* Longest names first where one is a prefix of another ("ms" before "m"). */
static const struct units_suffix units_durations[] = {
	{ "ms", 1LL },
	{ "s", 1000LL },
	{ "m", 60LL * 1000 },
	{ "h", 60LL * 60 * 1000 },
	{ "", 1000LL },			/* a bare number is seconds */
	{ NULL, 0 }
};

static const struct units_suffix units_sizes[] = {
	{ "K", 1024LL },
	{ "k", 1024LL },
	{ "M", 1024LL * 1024 },
	{ "m", 1024LL * 1024 },
	{ "G", 1024LL * 1024 * 1024 },
	{ "g", 1024LL * 1024 * 1024 },
	{ "", 1LL },			/* a bare number is bytes */
	{ NULL, 0 }
};

/*
 * Reads the number in front of the unit; blanks between the number and the
 * unit are skipped ("30 s").  Returns a pointer to the unit, or NULL with
 * *errstr set.
 */
static const char *
units_number(const char *s, long long *n, const char **errstr)
{
	long long	 v = 0;

	if (s == NULL || *s == '\0') {
		*errstr = "empty value";
		return NULL;
	}
	if (*s == '-') {
		*errstr = "negative value";
		return NULL;
	}
	if (*s < '0' || *s > '9') {
		*errstr = "not a number";
		return NULL;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10) {
			*errstr = "value too large";
			return NULL;
		}
		v = v * 10 + (*s - '0');
	}
	if (*s == '.' || *s == ',') {
		*errstr = "fractions are not allowed (use a smaller unit)";
		return NULL;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	*n = v;
	return s;
}

static int
units_parse(const char *s, const struct units_suffix *tab, const char *badunit,
    long long *out, const char **errstr)
{
	const char	*unit;
	long long	 n;
	size_t		 i;

	if ((unit = units_number(s, &n, errstr)) == NULL)
		return -1;
	for (i = 0; tab[i].name != NULL; i++) {
		if (strcmp(unit, tab[i].name) != 0)
			continue;
		if (n > LLONG_MAX / tab[i].factor) {
			*errstr = "value too large";
			return -1;
		}
		*out = n * tab[i].factor;
		return 0;
	}
	*errstr = badunit;
	return -1;
}

int
units_duration_ms(const char *s, long long *ms, const char **errstr)
{
	return units_parse(s, units_durations,
	    "unknown unit (use ms, s, m or h)", ms, errstr);
}

int
units_size_bytes(const char *s, long long *bytes, const char **errstr)
{
	return units_parse(s, units_sizes,
	    "unknown unit (use K, M or G)", bytes, errstr);
}
