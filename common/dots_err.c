/* Error values for decoders and validators; common/ never logs. */
#include <stdio.h>

#include "dots_err.h"

int
dots_errf(struct dots_err *err, int coap, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->coap = coap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
