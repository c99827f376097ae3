/*
 * The dotsgw YAML configuration loader: read, parse, walk, free.
 *
 * The schema is data: one table of keys per YAML mapping (conf_schema.c),
 * walked by one generic function (conf_walk.c). The document is parsed
 * into a fresh struct conf; any error stops the walk, frees everything
 * and leaves one message "FILE:LINE: KEY-PATH: problem" in the caller's
 * buffer.
 *
 * Anchors and aliases are refused by a pre-scan with the event API: the
 * walker never follows an alias, but refusing them keeps "what you read is
 * what is loaded" and the key paths in errors meaningful.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "conf_impl.h"

/* ---- YAML parsing ------------------------------------------------------- */

static int yaml_err(struct ld *ld, yaml_parser_t *p, const char *text,
    size_t len)
{
	size_t	 line, col, i;

	if (p->error == YAML_MEMORY_ERROR)
		return lerr(ld, 1, "yaml: out of memory");
	if (p->error == YAML_READER_ERROR) {
		/* the reader has no mark: count lines up to the offset */
		for (i = 0, line = 1, col = 1; i < p->problem_offset &&
		    i < len; i++, col++)
			if (text[i] == '\n') {
				line++;
				col = 0;
			}
	} else {
		line = p->problem_mark.line + 1;
		col = p->problem_mark.column + 1;
	}
	return lerr(ld, (int)line, "yaml: %s (col %zu)",
	    p->problem != NULL ? p->problem : "syntax error", col);
}

/*
 * One pass with the event API before loading: syntax errors, aliases and
 * anchors, several documents and deep nesting are refused here, so the
 * loader only ever sees a plain tree of modest depth.
 */
static int yaml_prescan(struct ld *ld, const char *text, size_t len)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	yaml_event_type_t type;
	int		 rc = 0, depth = 0, docs = 0, anchor_line = 0;
	const yaml_char_t *anchor;

	if (!yaml_parser_initialize(&p))
		return lerr(ld, 1, "yaml: out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	do {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = yaml_err(ld, &p, text, len);
			break;
		}
		type = ev.type;
		anchor = NULL;
		switch (type) {
		case YAML_ALIAS_EVENT:
			rc = lerr(ld, (int)ev.start_mark.line + 1,
			    "aliases are not allowed");
			break;
		case YAML_SCALAR_EVENT:
			anchor = ev.data.scalar.anchor;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = type == YAML_SEQUENCE_START_EVENT ?
			    ev.data.sequence_start.anchor :
			    ev.data.mapping_start.anchor;
			if (++depth > CONF_MAX_DEPTH)
				rc = lerr(ld, (int)ev.start_mark.line + 1,
				    "nesting deeper than %d levels",
				    CONF_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = lerr(ld, (int)ev.start_mark.line + 1,
				    "only one YAML document is allowed");
			break;
		default:
			break;
		}
		if (anchor != NULL && anchor_line == 0)
			anchor_line = (int)ev.start_mark.line + 1;
		yaml_event_delete(&ev);
	} while (rc == 0 && type != YAML_STREAM_END_EVENT);
	yaml_parser_delete(&p);
	/* An anchor without alias: report the anchor, aliases come first. */
	if (rc == 0 && anchor_line != 0)
		rc = lerr(ld, anchor_line, "anchors are not allowed");
	return rc;
}

/* The absolute directory of the file (or of a label with a slash). */
static char *conf_dir(const char *name)
{
	const char	*slash = strrchr(name, '/');
	char		*dir, *rp, cwd[PATH_MAX];

	if (slash == name)
		return strdup("/");
	if (slash == NULL)
		dir = strdup(".");
	else
		dir = strndup(name, (size_t)(slash - name));
	if (dir == NULL)
		return NULL;
	if ((rp = realpath(dir, NULL)) != NULL) {
		free(dir);
		return rp;
	}
	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return dir;
	rp = conf_path_join(cwd, dir);
	free(dir);
	return rp;
}

static int load(struct ld *ld, const char *text, size_t len,
    struct conf **out)
{
	yaml_parser_t	 p;
	yaml_node_t	*root;
	int		 rc;

	*out = NULL;
	if (yaml_prescan(ld, text, len) == -1)
		return -1;
	if ((ld->conf = calloc(1, sizeof(*ld->conf))) == NULL ||
	    (ld->conf->path = strdup(ld->name)) == NULL ||
	    (ld->confdir = conf_dir(ld->name)) == NULL) {
		conf_free(ld->conf);
		return ld_oom(ld, 1);
	}
	conf_defaults(ld->conf);
	if (!yaml_parser_initialize(&p)) {
		conf_free(ld->conf);
		return ld_oom(ld, 1);
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &ld->doc)) {
		rc = yaml_err(ld, &p, text, len);
		yaml_parser_delete(&p);
		conf_free(ld->conf);
		return rc;
	}
	yaml_parser_delete(&p);
	if ((root = yaml_document_get_root_node(&ld->doc)) == NULL) {
		path_push_key(ld, "peers");
		rc = lerr(ld, 1, "required key is missing (empty file)");
	} else
		rc = walk_map(ld, root, &conf_root_schema, ld->conf);
	yaml_document_delete(&ld->doc);
	if (rc == -1) {
		conf_free(ld->conf);
		return -1;
	}
	*out = ld->conf;
	return 0;
}

int conf_load_string(const char *name, const char *text, size_t len,
    struct conf **out, char *err, size_t errlen, conf_warn_fn warn,
    void *warnarg)
{
	struct ld	 ld;
	int		 rc;

	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.err = err;
	ld.errlen = errlen;
	ld.warn = warn;
	ld.warnarg = warnarg;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > CONF_MAX_SIZE) {
		*out = NULL;
		return lerr(&ld, 1, "larger than %d bytes", CONF_MAX_SIZE);
	}
	rc = load(&ld, text != NULL ? text : "", text != NULL ? len : 0, out);
	free(ld.confdir);
	return rc;
}

static bool has_secrets(const struct conf *c)
{
	size_t	 i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].psk_key_len > 0 ||
		    c->peers[i].up.psk_key_len > 0)
			return true;
	return false;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen,
    conf_warn_fn warn, void *warnarg)
{
	struct stat	 st;
	char		*buf = NULL, *rp, msg[CONF_ERRLEN], dummy[1];
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rc, e;

	*out = NULL;
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_SIZE) {
		snprintf(err, errlen, "%s: %s", path, !S_ISREG(st.st_mode) ?
		    "not a regular file" : "file too large");
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (len < (size_t)st.st_size &&
	    (r = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			e = errno;
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			goto fail;
		}
		len += (size_t)r;
	}
	close(fd);
	fd = -1;
	rc = conf_load_string(path, buf, len, out, err, errlen, warn,
	    warnarg);
	explicit_bzero(buf, len);
	free(buf);
	if (rc == -1)
		return -1;
	/* Keep an absolute path: the daemon may chdir before a reload. */
	if ((rp = realpath(path, NULL)) != NULL) {
		free((*out)->path);
		(*out)->path = rp;
	}
	if (warn != NULL && has_secrets(*out) && (st.st_mode & 044) != 0) {
		snprintf(msg, sizeof(msg), "%s: holds PSK secrets but is "
		    "readable by group/others (mode %04o); chmod 600", path,
		    (unsigned)(st.st_mode & 07777));
		warn(warnarg, msg);
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(buf);
	return -1;
}

static void peer_free(struct conf_peer *p)
{
	free(p->name);
	free(p->psk_identity);
	explicit_bzero(p->psk_key, sizeof(p->psk_key));
	free(p->cert_name);
	free(p->policy.prefixes);
	free(p->policy.ports);
	free(p->policy.protocols);
	strv_free(&p->policy.fqdns);
	strv_free(&p->policy.upstreams);
	strv_free(&p->policy.select.upstreams);
	for (size_t i = 0; i < p->policy.n_select_by_target; i++)
		strv_free(&p->policy.select_by_target[i].sel.upstreams);
	free(p->policy.select_by_target);
	free(p->up.serves);
	free(p->up.sources);
	free(p->up.psk_identity);
	explicit_bzero(p->up.psk_key, sizeof(p->up.psk_key));
	free(p->up.ca_file);
	free(p->up.cert_file);
	free(p->up.key_file);
	free(p->up.server_name);
	dots_registration_free(&p->up.reg);
	for (size_t i = 0; i < p->n_acls; i++) {
		for (size_t j = 0; j < p->acls[i].n_aces; j++)
			free(p->acls[i].aces[j].name);
		free(p->acls[i].aces);
		free(p->acls[i].name);
	}
	free(p->acls);
}

void conf_free(struct conf *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->node_id);
	free(c->state_dir);
	free(c->control.full.path);
	free(c->control.full.group);
	free(c->control.ro.path);
	free(c->control.ro.group);
	free(c->listen);
	free(c->creds.ca_file);
	free(c->creds.cert_file);
	free(c->creds.key_file);
	free(c->creds.psk_hint);
	free(c->audit_log);
	free(c->store.conninfo);
	free(c->cluster.name);
	free(c->cluster.node_id);
	free(c->mitigator.gobgp);
	free(c->mitigator.socket);
	free(c->mitigator.counters);
	for (i = 0; i < c->n_peers; i++)
		peer_free(&c->peers[i]);
	free(c->peers);
	free(c);
}

bool conf_str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}
