#include <stdarg.h>
#include <stdio.h>

#include "common/dc_err.h"

int
dc_errf(struct dc_err *err, int status, const char *tag, const char *fmt,
    ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->status = status;
	err->tag = tag;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
