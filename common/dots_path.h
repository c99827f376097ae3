/*
 * Parse the Uri-Path of a DOTS signal-channel request (RFC 9132 §4.2):
 *   .well-known/dots/mitigate[/cdid=X]/cuid=Y[/mid=N]
 *   .well-known/dots/config[/sid=N]
 *   .well-known/dots/hb
 *   .well-known/dots/register   (dotsgw orchestrator extension)
 * Order matters (cdid before cuid, mid after cuid); empty values, unknown
 * parameters, repeated ones and non-decimal numbers are refused.
 */
#ifndef DOTSGW_DOTS_PATH_H
#define DOTSGW_DOTS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dots_err.h"

#define DOTS_ID_MAX	128	/* longest cuid/cdid we accept */

enum dots_resource {
	DOTS_RES_MITIGATE,
	DOTS_RES_CONFIG,
	DOTS_RES_HB,
	DOTS_RES_REGISTER,
};

struct dots_path {
	enum dots_resource resource;
	char		cdid[DOTS_ID_MAX + 1];	/* "" = absent */
	char		cuid[DOTS_ID_MAX + 1];	/* "" = absent */
	bool		has_mid;
	uint32_t	mid;
	bool		has_sid;
	uint32_t	sid;
};

struct dots_seg {
	const uint8_t	*s;
	size_t		 len;
};

/*
 * 0, or -1 with err: 4.04 when the path is not a DOTS resource at all,
 * 4.00 when it is one but malformed (the diagnostic says how).
 */
int	dots_path_parse(const struct dots_seg *segs, size_t nsegs,
	    struct dots_path *out, struct dots_err *err);

/* "mitigate/cuid=X/mid=N"-style path, segments separated by '/'. */
int	dots_path_format(const struct dots_path *, char *buf, size_t len);

#endif
