/*
 * An index of the mitigation table by target, so that the overlap checks
 * of a new request (RFC 9132 §4.4.1: the same client's lower mids,
 * another peer's active mitigations) need not walk every mitigation. A
 * gateway peer sends all it relays under one cuid, so without it a
 * terminal gateway compared each request with everything it held
 * (tests/bench/README.md).
 *
 * Prefixes of at least /24 (IPv4) or /48 (IPv6) are filed under that
 * covering block; a mitigation with a shorter prefix or with an FQDN, URI
 * or alias target is "wide" and always a candidate. Two prefixes that
 * overlap share their block, so the candidates are a superset of the
 * overlapping mitigations; callers still apply dots_scope_overlaps().
 */
#ifndef DOTSGW_MIT_INDEX_H
#define DOTSGW_MIT_INDEX_H

#include <stddef.h>

#include "common/dots_msg.h"

struct mitigation;
struct mit_index;

struct mit_index *mit_index_new(void);
void	mit_index_free(struct mit_index *);	/* must be empty */
/* File m under its scope's targets: 0, or -1 on allocation failure. */
int	mit_index_add(struct mit_index *, struct mitigation *);
void	mit_index_del(struct mit_index *, struct mitigation *);
/*
 * The candidates for an overlap with s, each once, in no order: 0 with
 * *v malloc'ed (caller frees, may be NULL when *n is 0); 1 when s itself
 * is too wide for the index (the caller walks what it would have walked
 * without it); -1 on allocation failure.
 */
int	mit_index_near(struct mit_index *, const struct dots_scope *s,
	    struct mitigation ***v, size_t *n);

#endif
