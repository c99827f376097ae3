/*
 * The dotsgw release, printed by `dotsgwd -V` and `dotsctl -V` (with the
 * libcoap and GnuTLS versions found at run time, for bug reports).
 */
#ifndef DOTSGW_VERSION_H
#define DOTSGW_VERSION_H

#define DOTSGW_VERSION	"0.1.0"

#endif
