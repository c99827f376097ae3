/*
 * Internals of the configuration loader, shared by its files and by no
 * one else: conf.c (parse, load, free), conf_walk.c (the machinery: the
 * load context, errors with key paths, node access, strict scalar
 * conversions, the generic handlers and the table walker), conf_schema.c
 * (the key tables, their specific handlers and cross-key checks) and
 * conf_print.c (the same tables, walked to print a loaded struct conf).
 */
#ifndef DOTSGW_CONF_IMPL_H
#define DOTSGW_CONF_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "conf.h"

#define CONF_MAX_SIZE	(4 * 1024 * 1024)	/* bytes of YAML */
#define CONF_MAX_DEPTH	16			/* schema needs 5 */
#define CONF_NAME_MAX	128			/* node-id, peer name */
#define CONF_FQDN_MAX	253

/* One load: the document, the struct conf it fills, where errors go. */
struct ld {
	const char	*name;		/* labels errors */
	yaml_document_t	 doc;
	struct conf	*conf;
	char		*confdir;	/* absolute; base of state-dir */
	char		*err;
	size_t		 errlen;
	conf_warn_fn	 warn;
	void		*warnarg;
	char		 path[256];	/* key path of the node being walked */
	size_t		 plen;
};

struct key;
typedef int (*key_fn)(struct ld *, yaml_node_t *, void *, const struct key *);

enum ktype { KT_SCALAR, KT_LIST, KT_MAP };

struct schema {
	const struct key *keys;
	/* cross-key checks, after every key of the mapping was walked */
	int	(*check)(struct ld *, yaml_node_t *map, void *obj);
};

struct key {
	const char	*name;
	enum ktype	 type;
	bool		 required;
	int64_t		 min, max;	/* bounds for numbers, lengths */
	size_t		 off;		/* field in the object */
	key_fn		 fn;
	const struct schema *sub;	/* KT_MAP walked by h_map */
};

#define SIGOFF(i)	(offsetof(struct conf, sig) + \
			    (i) * sizeof(struct conf_sigparam))
#define AT(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))
#define FIELD(obj, k, type)	AT(obj, (k)->off, type)
#define ADDRLEN(st)	((int64_t)sizeof(((struct st *)NULL)->address))
#define KEY_END		{ NULL, KT_SCALAR, false, 0, 0, 0, NULL, NULL }

/* A keyword and its value; tables end with a NULL name. */
struct word {
	const char	*name;
	int		 val;
};

/* Fills element i of a list (walk_seq, walk_items). */
typedef int (*item_fn)(struct ld *, yaml_node_t *, void *, size_t);

/* ---- conf_walk.c: errors and key paths ---- */
int	line_of(const yaml_node_t *);
int	lerr(struct ld *, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	lwarn(struct ld *, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	ld_oom(struct ld *, int line);
size_t	path_push_key(struct ld *, const char *name);
size_t	path_push_index(struct ld *, size_t idx);
void	path_pop(struct ld *, size_t save);

/* ---- conf_walk.c: node access ---- */
yaml_node_t *node_get(struct ld *, int id);
size_t	seq_len(const yaml_node_t *);
yaml_node_t *seq_item(struct ld *, yaml_node_t *, size_t i);
yaml_node_t *map_find(struct ld *, yaml_node_t *map, const char *name,
	    yaml_node_t **keyp);
int	key_err(struct ld *, yaml_node_t *map, const char *name,
	    const char *msg);
const char *map_any(struct ld *, yaml_node_t *map, const char *const *names);
int	cert_key_check(struct ld *, yaml_node_t *map, const char *cert,
	    const char *key);
const char *ld_scalar(struct ld *, yaml_node_t *);

/* ---- conf_walk.c: scalar conversions ---- */
int	parse_i64(const char *, int64_t *);
int	scalar_int(struct ld *, yaml_node_t *, int64_t min, int64_t max,
	    int64_t *v);
bool	conf_printable(const char *, bool space_ok);
int	ld_keyword(struct ld *, yaml_node_t *, const struct word *, bool icase,
	    int *val);

/* ---- conf_walk.c: walking tables and lists ---- */
int	walk_map(struct ld *, yaml_node_t *, const struct schema *, void *obj);
int	walk_seq(struct ld *, yaml_node_t *, const char *empty, item_fn,
	    void *arg);
int	walk_items(struct ld *, yaml_node_t *, const char *empty,
	    size_t elsize, void **arr, size_t *cnt, item_fn);
int	flag_list(struct ld *, yaml_node_t *, const char *empty,
	    const struct word *, void *obj);

/* ---- conf_walk.c: generic handlers (k->off names the field) ---- */
int	h_map(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_str(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_name(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_u16(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_u32(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_u64(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_dec(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_bool(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_address(struct ld *, yaml_node_t *, void *, const struct key *);
int	h_mode(struct ld *, yaml_node_t *, void *, const struct key *);

/* ---- conf_walk.c: paths ---- */
char	*conf_path_join(const char *dir, const char *rel);
int	ld_resolve(struct ld *, char **p, const char *base);
int	ld_resolve_x509(struct ld *, char **ca, char **cert, char **key,
	    const char *base);
int	conf_dup_default(char **dst, const char *def);

/* ---- conf_schema.c: the tables ---- */
extern const struct schema conf_root_schema;
void	conf_defaults(struct conf *);

/* Mappings conf_print.c prints as list items or with rules of their own
 * (the keys that apply depend on other keys: the checks of the table). */
extern const struct schema conf_listen_schema, conf_capacity_schema,
	    conf_mitigator_schema, conf_upstream_schema, conf_register_schema,
	    conf_up_dc_schema,
	    conf_select_schema, conf_select_target_schema, conf_ace_schema,
	    conf_acl_schema, conf_peer_schema;

/* Keyword tables: the spelling of each value, for loading and printing.
 * *_flags give the offset of a bool; conf_act_words CONF_ACT_* bits. */
extern const struct word conf_transport_flags[], conf_cdid_words[],
	    conf_act_words[], conf_mitigator_words[], conf_up_transport_words[],
	    conf_reg_transport_words[], conf_action_flags[],
	    conf_strategy_words[], conf_fallback_words[],
	    conf_ace_action_words[], conf_acl_type_words[], conf_role_words[],
	    conf_store_words[];
/* severity-actions keys, indexed like severity_action[] */
extern const char *const conf_severity_names[CONF_SEVERITIES];
/* keys refused on an upstream-only peer; keys of one back-end only */
extern const char *const conf_downstream_keys[];
extern const char *const conf_gobgp_keys[];
extern const char *const conf_exabgp_keys[];
extern const char *const conf_orch_refused[];	/* capacity: */

/* ---- conf_schema.c: the handlers of one key (obj is the mapping's) ---- */
#define CONF_HANDLER(name)						\
	int name(struct ld *, yaml_node_t *, void *, const struct key *)
CONF_HANDLER(h_listen);		/* struct conf */
CONF_HANDLER(h_transports);	/* struct conf_listen */
CONF_HANDLER(h_role);
CONF_HANDLER(h_peers);
CONF_HANDLER(h_cdid);		/* struct conf_gateway */
CONF_HANDLER(h_mitigator_type);	/* struct conf_mitigator */
CONF_HANDLER(h_store_type);	/* struct conf_store */
CONF_HANDLER(h_conninfo);
CONF_HANDLER(h_community);
CONF_HANDLER(h_severity);
CONF_HANDLER(h_psk_key);	/* struct conf_peer */
CONF_HANDLER(h_psk_hex);
CONF_HANDLER(h_upstream);
CONF_HANDLER(h_prefixes);
CONF_HANDLER(h_ports);
CONF_HANDLER(h_protocols);
CONF_HANDLER(h_fqdns);
CONF_HANDLER(h_lifetime);
CONF_HANDLER(h_actions);
CONF_HANDLER(h_upstreams);
CONF_HANDLER(h_select_by_target);
CONF_HANDLER(h_mitigation_actions);
CONF_HANDLER(h_acls);
CONF_HANDLER(h_up_psk_key);	/* struct conf_upstream */
CONF_HANDLER(h_up_psk_hex);
CONF_HANDLER(h_transport);
CONF_HANDLER(h_register);
CONF_HANDLER(h_up_data_channel);
CONF_HANDLER(h_up_serves);
CONF_HANDLER(h_up_sources);
CONF_HANDLER(h_reg_address);	/* struct dots_registration */
CONF_HANDLER(h_reg_transport);
CONF_HANDLER(h_reg_attacks);
CONF_HANDLER(h_reg_counter);
CONF_HANDLER(h_reg_prefixes);
CONF_HANDLER(h_strategy);	/* enum conf_strategy at k->off */
CONF_HANDLER(h_fallback);
CONF_HANDLER(h_sel_upstreams);	/* struct strv at k->off */
CONF_HANDLER(h_sel_prefix);	/* struct conf_select_target */
CONF_HANDLER(h_acl_type);	/* struct conf_acl */
CONF_HANDLER(h_aces);
CONF_HANDLER(h_ace_action);	/* struct conf_ace */
CONF_HANDLER(h_ace_prefix);	/* has_ bool at k->off, value at k->min */
CONF_HANDLER(h_ace_port);
CONF_HANDLER(h_ace_byte);

#endif
