/* Durations and sizes as written in the config: "30s", "100M". */
#ifndef PYFPM_COMMON_UNITS_H
#define PYFPM_COMMON_UNITS_H

/*
 * Parses a duration: a non-negative integer with an optional unit "ms", "s",
 * "m" or "h" (a bare number is seconds) into milliseconds.  Returns 0, or -1
 * with *errstr set to a static message (bad unit, not a number, overflow).
 */
int	units_duration_ms(const char *s, long long *ms, const char **errstr);

/*
 * Parses a size: a non-negative integer with an optional suffix "K", "M" or
 * "G" (powers of 1024; a bare number is bytes; "k"/"m"/"g" accepted too)
 * into bytes.  Returns 0, or -1 with *errstr set to a static message.
 */
int	units_size_bytes(const char *s, long long *bytes, const char **errstr);

#endif
