/*
 * The machinery of the configuration loader: the load context, errors
 * "FILE:LINE: KEY-PATH: problem", node access, strict scalar conversions
 * (libyaml returns every scalar as a string: no YAML 1.1 octal, "+", "_"),
 * the generic handlers and the walk of one mapping against its key table.
 * What the keys are is conf_schema.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_impl.h"

/* ---- errors and key paths ----------------------------------------- */

int line_of(const yaml_node_t *n)
{
	return n != NULL ? (int)n->start_mark.line + 1 : 1;
}

int __attribute__((format(printf, 3, 4)))
lerr(struct ld *ld, int line, const char *fmt, ...)
{
	char	 msg[CONF_ERRLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err == NULL || ld->errlen == 0)
		return -1;
	if (ld->plen > 0)
		snprintf(ld->err, ld->errlen, "%s:%d: %s: %s", ld->name, line,
		    ld->path, msg);
	else
		snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->name, line,
		    msg);
	return -1;
}

void __attribute__((format(printf, 3, 4)))
lwarn(struct ld *ld, int line, const char *fmt, ...)
{
	char	 msg[CONF_ERRLEN], out[CONF_ERRLEN + 320];
	va_list	 ap;

	if (ld->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(out, sizeof(out), "%s:%d: %s: %s", ld->name, line, ld->path,
	    msg);
	ld->warn(ld->warnarg, out);
}

int ld_oom(struct ld *ld, int line)
{
	return lerr(ld, line, "out of memory");
}

/* Append ".name" (or "name" at the top) to the key path; returns the old
 * length for path_pop. Bytes that would garble a message become '?'. */
size_t path_push_key(struct ld *ld, const char *name)
{
	size_t	 save = ld->plen, i = ld->plen;

	if (i > 0 && i + 1 < sizeof(ld->path))
		ld->path[i++] = '.';
	for (; *name != '\0' && i + 1 < sizeof(ld->path); name++)
		ld->path[i++] = (*name > 0x20 && *name < 0x7f) ? *name : '?';
	ld->path[i] = '\0';
	ld->plen = i;
	return save;
}

size_t path_push_index(struct ld *ld, size_t idx)
{
	size_t	 save = ld->plen;
	int	 r;

	r = snprintf(ld->path + ld->plen, sizeof(ld->path) - ld->plen,
	    "[%zu]", idx);
	if (r > 0)
		ld->plen += (size_t)r < sizeof(ld->path) - ld->plen ?
		    (size_t)r : sizeof(ld->path) - ld->plen - 1;
	return save;
}

void path_pop(struct ld *ld, size_t save)
{
	ld->plen = save;
	ld->path[save] = '\0';
}

/* ---- node access ---------------------------------------------------- */

yaml_node_t *node_get(struct ld *ld, int id)
{
	return yaml_document_get_node(&ld->doc, id);
}

size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

yaml_node_t *seq_item(struct ld *ld, yaml_node_t *n, size_t i)
{
	return node_get(ld, n->data.sequence.items.start[i]);
}

/* The value of a key in a mapping (and the key node), or NULL. */
yaml_node_t *map_find(struct ld *ld, yaml_node_t *map,
    const char *name, yaml_node_t **keyp)
{
	yaml_node_pair_t *pair;
	yaml_node_t	*k;

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = node_get(ld, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, name) == 0) {
			if (keyp != NULL)
				*keyp = k;
			return node_get(ld, pair->value);
		}
	}
	return NULL;
}

/* An error on key name of map: at the key if it is there, else at map. */
int key_err(struct ld *ld, yaml_node_t *map, const char *name,
    const char *msg)
{
	yaml_node_t	*kn = NULL;

	map_find(ld, map, name, &kn);
	path_push_key(ld, name);
	return lerr(ld, line_of(kn ? kn : map), "%s", msg);
}

/* The first of names (NULL-terminated) that map has, or NULL. */
const char *map_any(struct ld *ld, yaml_node_t *map,
    const char *const *names)
{
	for (; *names != NULL; names++)
		if (map_find(ld, map, *names, NULL) != NULL)
			return *names;
	return NULL;
}

/* X.509 cert and key files come as a pair. */
int cert_key_check(struct ld *ld, yaml_node_t *map, const char *cert,
    const char *key)
{
	if ((cert == NULL) != (key == NULL))
		return key_err(ld, map, cert != NULL ? "cert" : "key",
		    "cert and key must be given together");
	return 0;
}

/* The text of a scalar node, refusing other node types and NUL bytes. */
const char *ld_scalar(struct ld *ld, yaml_node_t *n)
{
	const char	*s;

	if (n == NULL || n->type != YAML_SCALAR_NODE) {
		lerr(ld, line_of(n), "expected a scalar");
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		lerr(ld, line_of(n), "contains a NUL character");
		return NULL;
	}
	return s;
}

static const char *type_name(enum ktype t)
{
	switch (t) {
	case KT_LIST:
		return "a list";
	case KT_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}

static bool type_ok(const yaml_node_t *n, enum ktype t)
{
	switch (t) {
	case KT_LIST:
		return n->type == YAML_SEQUENCE_NODE;
	case KT_MAP:
		return n->type == YAML_MAPPING_NODE;
	default:
		return n->type == YAML_SCALAR_NODE;
	}
}

/* ---- scalar conversions (strict: no YAML 1.1 octal, "+", "_") ------ */

int parse_i64(const char *s, int64_t *v)
{
	bool	 neg = false;
	int64_t	 x = 0;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		x = x * 10 + (*s - '0');
	}
	if (*s != '\0')
		return -1;
	*v = neg ? -x : x;
	return 0;
}

/* "2", "2.0", "2.00" -> 200: at most two fraction digits. */
static int parse_dec(const char *s, int64_t *v)
{
	int64_t	 ip = 0, fp = 0;
	int	 nd = 0, nf = 0;

	for (; *s >= '0' && *s <= '9'; s++, nd++) {
		if (nd >= 9)
			return -1;
		ip = ip * 10 + (*s - '0');
	}
	if (nd == 0)
		return -1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nf++) {
			if (nf >= 2)
				return -1;
			fp = fp * 10 + (*s - '0');
		}
		if (nf == 0)
			return -1;
		if (nf == 1)
			fp *= 10;
	}
	if (*s != '\0')
		return -1;
	*v = ip * 100 + fp;
	return 0;
}

int scalar_int(struct ld *ld, yaml_node_t *n, int64_t min,
    int64_t max, int64_t *v)
{
	const char	*s;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (parse_i64(s, v) == -1)
		return lerr(ld, line_of(n),
		    "expected an integer, not \"%.40s\"", s);
	if (*v < min || *v > max)
		return lerr(ld, line_of(n), "%s is out of range %lld..%lld", s,
		    (long long)min, (long long)max);
	return 0;
}

bool conf_printable(const char *s, bool space_ok)
{
	for (; *s != '\0'; s++)
		if (*s < (space_ok ? 0x20 : 0x21) || *s > 0x7e)
			return false;
	return true;
}

/* ---- generic handlers ------------------------------------------------ */

int h_map(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return walk_map(ld, n, k->sub, (char *)obj + k->off);
}

/* A non-empty string of at most k->max bytes; no control characters. */
int h_str(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	char		**dst = FIELD(obj, k, char *);
	const char	 *s;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (*s == '\0')
		return lerr(ld, line_of(n), "must not be empty");
	if ((int64_t)strlen(s) > k->max)
		return lerr(ld, line_of(n), "longer than %lld bytes",
		    (long long)k->max);
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return lerr(ld, line_of(n),
			    "contains a control character");
	free(*dst);
	if ((*dst = strdup(s)) == NULL)
		return ld_oom(ld, line_of(n));
	return 0;
}

/* A name: printable ASCII, no white space. */
int h_name(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	if (h_str(ld, n, obj, k) == -1)
		return -1;
	if (!conf_printable(*FIELD(obj, k, char *), false))
		return lerr(ld, line_of(n),
		    "only printable ASCII without spaces is allowed");
	return 0;
}

int h_u32(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int64_t	 v;

	if (scalar_int(ld, n, k->min, k->max, &v) == -1)
		return -1;
	*FIELD(obj, k, uint32_t) = (uint32_t)v;
	return 0;
}

/* The full uint64 range (bit rates): digits only, no leading zero. */
int h_u64(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	const char	*s, *p;
	uint64_t	 x = 0;
	int64_t		 neg;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (parse_i64(s, &neg) == 0 && neg < 0)
		return lerr(ld, line_of(n), "%s is out of range "
		    "0..18446744073709551615", s);
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		goto bad;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return lerr(ld, line_of(n), "%.40s is out of range "
			    "0..18446744073709551615", s);
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0')
		goto bad;
	*FIELD(obj, k, uint64_t) = x;
	return 0;
bad:
	return lerr(ld, line_of(n), "expected an integer, not \"%.40s\"", s);
}

int h_u16(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int64_t	 v;

	if (scalar_int(ld, n, k->min, k->max, &v) == -1)
		return -1;
	*FIELD(obj, k, uint16_t) = (uint16_t)v;
	return 0;
}

/* Hundredths: "1.50", 1.5 and 2 are all fine. */
int h_dec(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	const char	*s;
	int64_t		 v;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (parse_dec(s, &v) == -1)
		return lerr(ld, line_of(n), "expected a decimal with at most "
		    "two fraction digits, not \"%.40s\"", s);
	if (v < k->min || v > k->max)
		return lerr(ld, line_of(n),
		    "%s is out of range %lld.%02lld..%lld.%02lld", s,
		    (long long)(k->min / 100), (long long)(k->min % 100),
		    (long long)(k->max / 100), (long long)(k->max % 100));
	*FIELD(obj, k, uint32_t) = (uint32_t)v;
	return 0;
}

/* ---- keywords and lists ------------------------------------------------ */

/* The value of the keyword in n; the error lists every choice. */
int ld_keyword(struct ld *ld, yaml_node_t *n, const struct word *w,
    bool icase, int *val)
{
	const char	*s;
	char		 list[128];
	size_t		 i, len = 0;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	for (i = 0; w[i].name != NULL; i++)
		if ((icase ? strcasecmp(s, w[i].name) :
		    strcmp(s, w[i].name)) == 0) {
			*val = w[i].val;
			return 0;
		}
	list[0] = '\0';
	for (i = 0; w[i].name != NULL && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%s%s", i == 0 ? "" : w[i + 1].name != NULL ? ", " : " or ",
		    w[i].name);
	return lerr(ld, line_of(n), "expected %s, not \"%.40s\"", list, s);
}

/* true, false, yes or no, in any letter case. */
int h_bool(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	static const struct word w[] = {
		{ "true", true }, { "false", false }, { "yes", true },
		{ "no", false }, { NULL, 0 }
	};
	int	 v;

	if (ld_keyword(ld, n, w, true, &v) == -1)
		return -1;
	*FIELD(obj, k, bool) = v;
	return 0;
}


/* Each item of a non-empty list through fn, with the key path at it. */
int walk_seq(struct ld *ld, yaml_node_t *n, const char *empty,
    item_fn fn, void *arg)
{
	size_t	 i, save;

	if (seq_len(n) == 0)
		return lerr(ld, line_of(n), "%s", empty);
	for (i = 0; i < seq_len(n); i++) {
		save = path_push_index(ld, i);
		if (fn(ld, seq_item(ld, n, i), arg, i) == -1)
			return -1;
		path_pop(ld, save);
	}
	return 0;
}

/* The same into a fresh array of *cnt elements: fn fills element i. */
int walk_items(struct ld *ld, yaml_node_t *n, const char *empty,
    size_t elsize, void **arr, size_t *cnt, item_fn fn)
{
	size_t	 len = seq_len(n);

	if (len > 0 && (*arr = calloc(len, elsize)) == NULL)
		return ld_oom(ld, line_of(n));
	*cnt = len;
	return walk_seq(ld, n, empty, fn, *arr);
}

/* A list of keywords, each naming a bool of obj (val is its offset). */
struct flags {
	const struct word *w;
	void		*obj;
};

static int item_flag(struct ld *ld, yaml_node_t *n, void *arg, size_t i)
{
	struct flags	*f = arg;
	int		 off;

	if (ld_keyword(ld, n, f->w, false, &off) == -1)
		return -1;
	*AT(f->obj, off, bool) = true;
	return 0;
}

/* The flags named are set, the others of the table cleared. */
int flag_list(struct ld *ld, yaml_node_t *n, const char *empty,
    const struct word *w, void *obj)
{
	struct flags	 f = { w, obj };

	for (; w->name != NULL; w++)
		*AT(obj, w->val, bool) = false;
	return walk_seq(ld, n, empty, item_flag, &f);
}

/*
 * Walk one mapping against its key table: unknown and duplicate keys and
 * wrong node types are errors; then required keys, then the table's
 * cross-key check.
 */
int walk_map(struct ld *ld, yaml_node_t *map, const struct schema *s,
    void *obj)
{
	yaml_node_pair_t *pair, *q;
	const struct key *k;
	yaml_node_t	*kn, *vn, *qk;
	const char	*name;
	size_t		 save;
	int		 rc;

	if (map->type != YAML_MAPPING_NODE)
		return lerr(ld, line_of(map), "expected a mapping");
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		kn = node_get(ld, pair->key);
		vn = node_get(ld, pair->value);
		if (kn == NULL || vn == NULL)
			return lerr(ld, line_of(map), "malformed mapping");
		if (kn->type != YAML_SCALAR_NODE)
			return lerr(ld, line_of(kn), "keys must be scalars");
		name = (const char *)kn->data.scalar.value;
		save = path_push_key(ld, name);
		for (k = s->keys; k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (k->name == NULL ||
		    strlen(name) != kn->data.scalar.length)
			return lerr(ld, line_of(kn), "unknown key");
		for (q = map->data.mapping.pairs.start; q < pair; q++) {
			qk = node_get(ld, q->key);
			if (qk != NULL && qk->type == YAML_SCALAR_NODE &&
			    strcmp((char *)qk->data.scalar.value, name) == 0)
				return lerr(ld, line_of(kn),
				    "duplicate key (first on line %d)",
				    line_of(qk));
		}
		if (!type_ok(vn, k->type))
			return lerr(ld, line_of(vn), "expected %s",
			    type_name(k->type));
		rc = k->fn(ld, vn, obj, k);
		path_pop(ld, save);
		if (rc == -1)
			return -1;
	}
	for (k = s->keys; k->name != NULL; k++) {
		if (!k->required || map_find(ld, map, k->name, NULL) != NULL)
			continue;
		path_push_key(ld, k->name);
		return lerr(ld, line_of(map), "required key is missing");
	}
	return s->check != NULL ? s->check(ld, map, obj) : 0;
}

/* A numeric address into the char array at k->off, k->max bytes long. */
int h_address(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	char		*dst = FIELD(obj, k, char);
	const char	*s;
	uint8_t		 buf[16];

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if ((int64_t)strlen(s) >= k->max ||
	    (inet_pton(AF_INET, s, buf) != 1 &&
	    inet_pton(AF_INET6, s, buf) != 1))
		return lerr(ld, line_of(n),
		    "\"%.64s\" is not a numeric IPv4 or IPv6 address", s);
	strcpy(dst, s);
	return 0;
}

/* A file mode: octal digits as YAML gives them ("0660", 660 or 0o660),
 * at most 0777; never setuid/setgid/sticky. */
int h_mode(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	const char	*s;
	char		*end;
	unsigned long	 v;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (strncmp(s, "0o", 2) == 0)
		s += 2;
	if (*s < '0' || *s > '7')
		return lerr(ld, line_of(n), "\"%s\": not an octal file mode "
		    "(e.g. 0660)", s);
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || *end != '\0' || v > 0777)
		return lerr(ld, line_of(n), "\"%s\": not an octal file mode "
		    "of at most 0777 (e.g. 0660)", s);
	*FIELD(obj, k, uint32_t) = (uint32_t)v;
	return 0;
}

char *conf_path_join(const char *dir, const char *rel)
{
	char	*s;

	if (rel[0] == '/')
		return strdup(rel);
	if (asprintf(&s, "%s%s%s", dir,
	    dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/",
	    rel) == -1)
		return NULL;
	return s;
}

/* Replace a relative path by one under base; NULL stays NULL. */
int ld_resolve(struct ld *ld, char **p, const char *base)
{
	char	*abs;

	if (*p == NULL || (*p)[0] == '/')
		return 0;
	if ((abs = conf_path_join(base, *p)) == NULL)
		return ld_oom(ld, 1);
	free(*p);
	*p = abs;
	return 0;
}

/* The three X.509 files, relative to base. */
int ld_resolve_x509(struct ld *ld, char **ca, char **cert, char **key,
    const char *base)
{
	if (ld_resolve(ld, ca, base) == -1 ||
	    ld_resolve(ld, cert, base) == -1 ||
	    ld_resolve(ld, key, base) == -1)
		return -1;
	return 0;
}


int conf_dup_default(char **dst, const char *def)
{
	if (*dst != NULL || def == NULL)
		return 0;
	return (*dst = strdup(def)) != NULL ? 0 : -1;
}
