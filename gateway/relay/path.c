/*
 * The relay path (private-use key 49152): the node ids of the dotsgw hops
 * a request went through, ours appended when we relay it. With Hop-Limit
 * (RFC 8768) it stops loops: a request whose path already names us is
 * refused 5.08 (plan.c).
 */
#include <stdio.h>
#include <string.h>

#include <cbor.h>

#include "common/prefix.h"
#include "gateway/relay/relay_impl.h"

int
relay_path_decode(const struct dots_scope *s, struct strv *out)
{
	const struct dots_opt *o = dots_optv_get(&s->opt,
	    DOTSGW_KEY_RELAY_PATH);
	struct cbor_load_result res;
	cbor_item_t *it;
	int r = 0;

	if (o == NULL)
		return 0;
	if ((it = cbor_load(o->cbor, o->len, &res)) == NULL)
		return -1;
	if (!cbor_isa_array(it) || !cbor_array_is_definite(it))
		r = -1;
	for (size_t i = 0; r == 0 && i < cbor_array_size(it); i++) {
		cbor_item_t *e = cbor_array_handle(it)[i];
		char buf[128];
		size_t n;

		if (!cbor_isa_string(e) || !cbor_string_is_definite(e) ||
		    (n = cbor_string_length(e)) >= sizeof(buf)) {
			r = -1;
			break;
		}
		memcpy(buf, cbor_string_handle(e), n);
		buf[n] = '\0';
		r = strv_push(out, buf);
	}
	cbor_decref(&it);
	return r;
}

int
relay_path_encode(const struct strv *path, struct dots_opt *o)
{
	cbor_item_t *a = cbor_new_definite_array(path->n);
	unsigned char *buf = NULL;
	size_t size = 0;
	int r = -1;

	if (a == NULL)
		return -1;
	for (size_t i = 0; i < path->n; i++) {
		cbor_item_t *e = cbor_build_string(path->v[i]);

		if (e == NULL || !cbor_array_push(a, cbor_move(e)))
			goto done;
	}
	if ((o->len = cbor_serialize_alloc(a, &buf, &size)) == 0)
		goto done;
	o->key = DOTSGW_KEY_RELAY_PATH;
	o->cbor = buf;
	r = 0;
done:
	cbor_decref(&a);
	return r;
}

/* "a b c" from a path, for 5.08 diagnostics. */
void
relay_path_join(const struct strv *path, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < path->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? " " : "", path->v[i]);
}

bool
relay_path_has(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

/* The node ids of a 5.08 path, without the addresses libcoap adds. */
void
relay_path_ids(const char *in, char *out, size_t len)
{
	char buf[DOTS_ERR_MSGLEN], *tok, *save = NULL;
	struct prefix pfx;
	size_t off = 0;

	snprintf(buf, sizeof(buf), "%s", in);
	out[0] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL && off < len;
	    tok = strtok_r(NULL, " ", &save))
		if (prefix_parse_addr(tok, &pfx) == -1)
			off += (size_t)snprintf(out + off, len - off, "%s%s",
			    off ? " " : "", tok);
}
