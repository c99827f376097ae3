#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "gateway/state/mit_index.h"
#include "gateway/state/mitigation.h"

#define IX_BUCKETS	65536	/* power of two */
#define IX_V4_BITS	24
#define IX_V6_BITS	48
#define IX_KEYLEN	6

struct mit_ix;

/* One target prefix of a mitigation, filed under its covering block. */
struct mit_ent {
	struct mit_ent	*next;
	struct mit_ix	*ix;
	uint8_t		 family;
	uint8_t		 key[IX_KEYLEN];
};

/* A mitigation's place in the index (struct mitigation.ix). */
struct mit_ix {
	struct mitigation *m;
	TAILQ_ENTRY(mit_ix) wide_entry;
	bool		 wide;
	uint64_t	 gen;		/* last mit_index_near() that took it */
	size_t		 n;
	struct mit_ent	 ent[];
};

struct mit_index {
	struct mit_ent	*bucket[IX_BUCKETS];
	TAILQ_HEAD(, mit_ix) wide;
	uint64_t	 gen;
};

struct mit_index *
mit_index_new(void)
{
	struct mit_index *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	TAILQ_INIT(&x->wide);
	return x;
}

void
mit_index_free(struct mit_index *x)
{
	free(x);
}

/* The block key of p, or -1 when p is shorter than a block. */
static int
block_key(const struct prefix *p, uint8_t key[IX_KEYLEN])
{
	size_t n;

	memset(key, 0, IX_KEYLEN);
	if (p->family == AF_INET && p->len >= IX_V4_BITS)
		n = IX_V4_BITS / 8;
	else if (p->family == AF_INET6 && p->len >= IX_V6_BITS)
		n = IX_V6_BITS / 8;
	else
		return -1;
	memcpy(key, p->addr, n);
	return 0;
}

static unsigned
key_hash(uint8_t family, const uint8_t key[IX_KEYLEN])
{
	uint32_t h = 2166136261u ^ family;

	for (size_t i = 0; i < IX_KEYLEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return (h ^ h >> 16) & (IX_BUCKETS - 1);
}

static bool
scope_is_wide(const struct dots_scope *s)
{
	uint8_t key[IX_KEYLEN];

	if (s->n_target_prefix == 0 || s->target_fqdn.n > 0 ||
	    s->target_uri.n > 0 || s->alias_name.n > 0)
		return true;
	for (size_t i = 0; i < s->n_target_prefix; i++)
		if (block_key(&s->target_prefix[i], key) == -1)
			return true;
	return false;
}

int
mit_index_add(struct mit_index *x, struct mitigation *m)
{
	const struct dots_scope *s = &m->scope;
	bool wide = scope_is_wide(s);
	size_t n = wide ? 0 : s->n_target_prefix;
	struct mit_ix *ix;

	if ((ix = calloc(1, sizeof(*ix) + n * sizeof(ix->ent[0]))) == NULL)
		return -1;
	ix->m = m;
	ix->wide = wide;
	ix->n = n;
	if (wide)
		TAILQ_INSERT_TAIL(&x->wide, ix, wide_entry);
	for (size_t i = 0; i < n; i++) {
		struct mit_ent *e = &ix->ent[i];
		unsigned h;

		e->ix = ix;
		e->family = s->target_prefix[i].family;
		block_key(&s->target_prefix[i], e->key);
		h = key_hash(e->family, e->key);
		e->next = x->bucket[h];
		x->bucket[h] = e;
	}
	m->ix = ix;
	return 0;
}

void
mit_index_del(struct mit_index *x, struct mitigation *m)
{
	struct mit_ix *ix = m->ix;

	if (ix == NULL)
		return;
	if (ix->wide)
		TAILQ_REMOVE(&x->wide, ix, wide_entry);
	for (size_t i = 0; i < ix->n; i++) {
		struct mit_ent **pp;

		for (pp = &x->bucket[key_hash(ix->ent[i].family,
		    ix->ent[i].key)]; *pp != NULL; pp = &(*pp)->next)
			if (*pp == &ix->ent[i]) {
				*pp = ix->ent[i].next;
				break;
			}
	}
	free(ix);
	m->ix = NULL;
}

static int
take(struct mit_index *x, struct mit_ix *ix, struct mitigation ***v,
    size_t *n, size_t *cap)
{
	struct mitigation **nv;

	if (ix->gen == x->gen)
		return 0;
	ix->gen = x->gen;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((nv = realloc(*v, *cap * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = ix->m;
	return 0;
}

int
mit_index_near(struct mit_index *x, const struct dots_scope *s,
    struct mitigation ***v, size_t *n)
{
	struct mit_ix *ix;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (scope_is_wide(s))
		return 1;
	x->gen++;
	TAILQ_FOREACH(ix, &x->wide, wide_entry)
		if (take(x, ix, v, n, &cap) == -1)
			goto fail;
	for (size_t i = 0; i < s->n_target_prefix; i++) {
		uint8_t key[IX_KEYLEN];
		uint8_t fam = s->target_prefix[i].family;
		struct mit_ent *e;

		block_key(&s->target_prefix[i], key);
		for (e = x->bucket[key_hash(fam, key)]; e != NULL; e = e->next)
			if (e->family == fam &&
			    memcmp(e->key, key, IX_KEYLEN) == 0 &&
			    take(x, e->ix, v, n, &cap) == -1)
				goto fail;
	}
	return 0;
fail:
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}
