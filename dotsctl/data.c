/*
 * dotsctl data: the DOTS data channel (RFC 8783), RESTCONF over HTTPS
 * with libcurl (synchronous: one request per run). Bodies are files in
 * the RFC's own form, sent as they are; the file's top-level member only
 * picks the resource (a list: POST to the dots-client; one entry: PUT to
 * its name). Mutual X.509 with the global --cert/--key/--ca; libcurl has
 * no TLS-PSK, so PSK options are refused here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "dotsctl/dotsctl.h"

#define DATA	"/restconf/data/ietf-dots-data-channel:dots-data"
#define MOD	"ietf-dots-data-channel:"
#define YANG_JSON "application/yang-data+json"
#define BODY_MAX (1024 * 1024)

struct buf {
	char	*p;
	size_t	 n;
};

struct http {
	const char	*method;
	char		 path[768];	/* after the host */
	const char	*body;		/* NULL: none */
	size_t		 len;
	const char	*content;	/* --content: GET's content= */
	const char	*if_match;	/* --if-match ETAG (RFC 7232) */
	const char	*if_none_match;	/* --if-none-match ETAG */
};

/* What the answer's headers say that is printed. */
struct heads {
	char	 loc[512];
	char	 etag[128];
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *q;

	if (b->n + size * n > BODY_MAX ||
	    (q = realloc(b->p, b->n + size * n + 1)) == NULL)
		return 0;
	memcpy(q + b->n, p, size * n);
	b->p = q;
	b->n += size * n;
	b->p[b->n] = '\0';
	return size * n;
}

/* Header hdr's value in p (len bytes) into out, if it is that header. */
static void
header_value(const char *p, size_t len, const char *hdr, char *out,
    size_t olen)
{
	size_t h = strlen(hdr);

	if (len <= h || strncasecmp(p, hdr, h) != 0)
		return;
	len -= h;
	while (len > 0 && (p[h + len - 1] == '\r' || p[h + len - 1] == '\n'))
		len--;
	snprintf(out, olen, "%.*s", (int)len, p + h);
}

/* The Location and ETag headers, if any. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct heads *hd = arg;

	header_value(p, size * n, "Location: ", hd->loc, sizeof(hd->loc));
	header_value(p, size * n, "ETag: ", hd->etag, sizeof(hd->etag));
	return size * n;
}

static const char *
reason(long code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	}
	return "";
}

static void
print_http(struct ctl *c, long code, const struct heads *hd,
    const struct buf *b)
{
	json_t *body = NULL, *o;
	char *s;

	if (b->n > 0)
		body = json_loadb(b->p, b->n, 0, NULL);
	c->status = code / 100 == 2 ? EX_RESP_OK : EX_RESP_ERR;
	if (c->json) {
		o = json_object();
		json_object_set_new(o, "code", json_sprintf("%ld", code));
		if (hd->loc[0] != '\0')
			json_object_set_new(o, "location",
			    json_string(hd->loc));
		if (hd->etag[0] != '\0')
			json_object_set_new(o, "etag", json_string(hd->etag));
		if (body != NULL)
			json_object_set(o, "body", body);
		else if (b->n > 0)
			json_object_set_new(o, "diagnostic",
			    json_stringn(b->p, b->n));
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_ENSURE_ASCII);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("%ld %s\n", code, reason(code));
		if (hd->loc[0] != '\0')
			printf("Location: %s\n", hd->loc);
		if (hd->etag[0] != '\0')
			printf("ETag: %s\n", hd->etag);
		if (body != NULL) {
			s = json_dumps(body, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
			printf("%s\n", s ? s : "");
			free(s);
		} else if (b->n > 0)
			printf("%.*s\n", (int)b->n, b->p);
	}
	fflush(stdout);
	json_decref(body);
}

/*
 * https://HOST:PORT of --data-channel; with --server-name N the URL
 * names N (checked against the certificate, sent as SNI) and N:PORT
 * resolves to HOST, as curl --resolve.
 */
static int
target(struct ctl *c, char *base, size_t blen, char *resolve, size_t rlen)
{
	const char *uri = c->data_uri ? c->data_uri : DEFAULT_DATA_URI;
	const char *hp, *colon;

	if (strncmp(uri, "https://", 8) != 0)
		usage_err("--data-channel %s: want https://HOST:PORT", uri);
	hp = uri + 8;
	colon = hp[0] == '[' ? strstr(hp, "]:") : strrchr(hp, ':');
	if (colon != NULL && hp[0] == '[')
		colon++;
	if (colon == NULL || colon[1] == '\0' || strchr(colon, '/') != NULL)
		usage_err("--data-channel %s: want https://HOST:PORT", uri);
	resolve[0] = '\0';
	if (c->o.server_name == NULL) {
		snprintf(base, blen, "%s", uri);
		return 0;
	}
	snprintf(base, blen, "https://%s%s", c->o.server_name, colon);
	snprintf(resolve, rlen, "%s%s:%.*s", c->o.server_name, colon,
	    (int)(colon - hp), hp);
	return 0;
}

static void
request(struct ctl *c, const struct http *h)
{
	char base[512], resolve[600], url[1400], err[CURL_ERROR_SIZE] = "";
	char cond[160];
	struct heads hd = { "", "" };
	struct curl_slist *hdrs = NULL, *res = NULL;
	struct buf b = { NULL, 0 };
	CURLcode rc;
	CURL *cu;
	long code = 0;

	target(c, base, sizeof(base), resolve, sizeof(resolve));
	snprintf(url, sizeof(url), "%s%s%s%s", base, h->path,
	    h->content != NULL ? "?content=" : "",
	    h->content != NULL ? h->content : "");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (cu = curl_easy_init()) == NULL) {
		fprintf(stderr, "dotsctl: cannot start libcurl\n");
		c->status = EX_NORESP;
		return;
	}
	hdrs = curl_slist_append(hdrs, "Accept: " YANG_JSON);
	if (h->body != NULL)
		hdrs = curl_slist_append(hdrs, "Content-Type: " YANG_JSON);
	if (h->if_match != NULL) {
		snprintf(cond, sizeof(cond), "If-Match: %s", h->if_match);
		hdrs = curl_slist_append(hdrs, cond);
	}
	if (h->if_none_match != NULL) {
		snprintf(cond, sizeof(cond), "If-None-Match: %s",
		    h->if_none_match);
		hdrs = curl_slist_append(hdrs, cond);
	}
	if (resolve[0] != '\0')
		res = curl_slist_append(res, resolve);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, h->method);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdrs);
	if (res != NULL)
		curl_easy_setopt(cu, CURLOPT_RESOLVE, res);
	if (h->body != NULL) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, h->body);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)h->len);
	}
	curl_easy_setopt(cu, CURLOPT_SSLCERT, c->o.cert_file);
	curl_easy_setopt(cu, CURLOPT_SSLKEY, c->o.key_file);
	curl_easy_setopt(cu, CURLOPT_CAINFO, c->o.ca_file);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, &hd);
	curl_easy_setopt(cu, CURLOPT_VERBOSE, c->verbose > 0 ? 1L : 0L);
	if ((rc = curl_easy_perform(cu)) != CURLE_OK) {
		fprintf(stderr, "dotsctl: %s: %s\n", url,
		    err[0] ? err : curl_easy_strerror(rc));
		c->status = EX_NORESP;
	} else {
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
		print_http(c, code, &hd, &b);
	}
	free(b.p);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(res);
	curl_easy_cleanup(cu);
	curl_global_cleanup();
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	size_t n = 0, got;

	if (f == NULL)
		usage_err("%s: cannot open", path);
	do {
		char *q = realloc(p, n + 8192 + 1);

		if (q == NULL)
			usage_err("out of memory");
		p = q;
		n += got = fread(p + n, 1, 8192, f);
	} while (got > 0 && n <= BODY_MAX);
	fclose(f);
	if (n > BODY_MAX)
		usage_err("%s: larger than %d bytes", path, BODY_MAX);
	p[n] = '\0';
	*len = n;
	return p;
}

/*
 * What FILE holds: its single top-level member "MOD list" (a list to
 * POST) or "MOD one" (one entry to PUT; *name its name). 1 list, 0 one.
 */
static int
shape(const char *file, const char *body, size_t len, const char *list,
    const char *one, char *name, size_t nlen)
{
	char lk[64], ok[64];
	json_t *j, *e;
	const char *n;
	int r = -1;

	snprintf(lk, sizeof(lk), MOD "%s", list);
	snprintf(ok, sizeof(ok), MOD "%s", one);
	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		usage_err("%s: not JSON", file);
	if (json_object_get(j, lk) != NULL)
		r = 1;
	else if ((e = json_array_get(json_object_get(j, ok), 0)) != NULL &&
	    (n = json_string_value(json_object_get(e, "name"))) != NULL) {
		snprintf(name, nlen, "%s", n);
		r = 0;
	}
	json_decref(j);
	if (r == -1)
		usage_err("%s: want {\"%s\": ...} or {\"%s\": [{\"name\": "
		    "...}]}", file, lk, ok);
	return r;
}

/* alias|acl put FILE | get [NAME] | delete NAME */
static void
collection(struct ctl *c, const char *cuid, const char *what,
    const char *op, const char *arg, struct http *h)
{
	const char *list = strcmp(what, "alias") == 0 ? "aliases" : "acls";
	char name[256];
	char *body;
	size_t len;

	if (strcmp(op, "put") == 0) {
		if (arg == NULL)
			usage_err("data %s put: a FILE", what);
		body = slurp(arg, &len);
		h->body = body;
		h->len = len;
		if (shape(arg, body, len, list, what, name, sizeof(name)) ==
		    1) {
			h->method = "POST";
			snprintf(h->path, sizeof(h->path), DATA
			    "/dots-client=%s", cuid);
		} else {
			h->method = "PUT";
			snprintf(h->path, sizeof(h->path), DATA
			    "/dots-client=%s/%s/%s=%s", cuid, list, what, name);
		}
		request(c, h);
		free(body);
		return;
	}
	if (strcmp(op, "get") == 0)
		h->method = "GET";
	else if (strcmp(op, "delete") == 0) {
		h->method = "DELETE";
		if (arg == NULL)
			usage_err("data %s delete: a NAME", what);
	} else
		usage_err("data %s: put, get or delete, not '%s'", what, op);
	if (arg == NULL)
		snprintf(h->path, sizeof(h->path), DATA "/dots-client=%s/%s",
		    cuid, list);
	else
		snprintf(h->path, sizeof(h->path), DATA
		    "/dots-client=%s/%s/%s=%s", cuid, list, what, arg);
	request(c, h);
}

/*
 * Take data's own options out of argv[from..argc) (the rest are global
 * options for parse_cmd_args): --content config|nonconfig|all,
 * --if-match ETAG, --if-none-match ETAG. The new argc.
 */
static int
take_options(struct http *h, int from, int argc, char **argv)
{
	int i, o = from;

	for (i = from; i < argc; i++) {
		const char **v = strcmp(argv[i], "--content") == 0 ?
		    &h->content : strcmp(argv[i], "--if-match") == 0 ?
		    &h->if_match : strcmp(argv[i], "--if-none-match") == 0 ?
		    &h->if_none_match : NULL;

		if (v == NULL) {
			argv[o++] = argv[i];
			continue;
		}
		if (i + 1 >= argc)
			usage_err("data: %s needs a value", argv[i]);
		*v = argv[++i];
		/* a header value: no line breaks, bounded */
		if (strpbrk(*v, "\r\n") != NULL || strlen(*v) > 120)
			usage_err("data: %s %.40s: not a header value",
			    argv[i - 1], *v);
	}
	if (h->content != NULL && strcmp(h->content, "config") != 0 &&
	    strcmp(h->content, "nonconfig") != 0 &&
	    strcmp(h->content, "all") != 0)
		usage_err("data: --content config, nonconfig or all, not "
		    "'%s'", h->content);
	return o;
}

int
cmd_data(struct ctl *c, struct args *a, int argc, char **argv)
{
	const char *sub, *op = NULL, *arg = NULL, *cuid;
	char cuid_buf[CUID_BUFLEN], *body = NULL;
	struct http h = { 0 };
	int i = 1, n;

	if (argc < 2)
		usage_err("data: register, unregister, capabilities, alias or "
		    "acl");
	sub = argv[i++];
	if (strcmp(sub, "alias") == 0 || strcmp(sub, "acl") == 0) {
		if (i >= argc)
			usage_err("data %s: put, get or delete", sub);
		op = argv[i++];
	}
	if (i < argc && argv[i][0] != '-')
		arg = argv[i++];
	argc = take_options(&h, i, argc, argv);
	if (h.content != NULL && (op == NULL || strcmp(op, "get") != 0))
		usage_err("data: --content goes with alias get or acl get");
	if ((h.if_match != NULL || h.if_none_match != NULL) && (op == NULL ||
	    (strcmp(op, "put") != 0 && strcmp(op, "delete") != 0)))
		usage_err("data: --if-match and --if-none-match go with put "
		    "and delete");
	/* the rest: global options ("data capabilities --json") */
	n = argc - i + 1;
	argv[i - 1] = (char *)"data";
	parse_cmd_args(c, a, n, argv + i - 1);
	allow_only(a, 0);
	if (c->o.psk_identity != NULL || c->o.psk_key_len > 0)
		usage_err("data: libcurl has no TLS-PSK; use --cert/--key/--ca "
		    "(gnutls-cli --pskusername speaks PSK to the data channel)");
	if (c->o.cert_file == NULL || c->o.key_file == NULL ||
	    c->o.ca_file == NULL)
		usage_err("data: --cert, --key and --ca are needed");
	if ((cuid = c->cuid) == NULL) {
		if (cuid_from_cert_file(c->o.cert_file, cuid_buf) == -1)
			usage_err("%s: cannot read the certificate to derive "
			    "the cuid", c->o.cert_file);
		cuid = cuid_buf;
	}
	if (strchr(cuid, '/') != NULL || strlen(cuid) > 128)
		usage_err("--cuid: 1 to 128 characters, no '/'");
	c->status = EX_NORESP;
	if (strcmp(sub, "register") == 0) {
		size_t len;

		h.method = "POST";
		snprintf(h.path, sizeof(h.path), DATA);
		if (arg != NULL)
			body = slurp(arg, &len);
		else {
			json_t *j = json_pack("{s:[{s:s}]}",
			    MOD "dots-client", "cuid", cuid);

			body = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			len = body != NULL ? strlen(body) : 0;
		}
		h.body = body;
		h.len = len;
		request(c, &h);
	} else if (strcmp(sub, "unregister") == 0 ||
	    strcmp(sub, "capabilities") == 0) {
		if (arg != NULL)
			usage_err("data %s: unexpected argument '%s'", sub,
			    arg);
		h.method = sub[0] == 'u' ? "DELETE" : "GET";
		if (sub[0] == 'u')
			snprintf(h.path, sizeof(h.path), DATA
			    "/dots-client=%s", cuid);
		else
			snprintf(h.path, sizeof(h.path), DATA "/capabilities");
		request(c, &h);
	} else if (op != NULL)
		collection(c, cuid, sub, op, arg, &h);
	else
		usage_err("data: register, unregister, capabilities, alias or "
		    "acl, not '%s'", sub);
	free(body);
	return c->status;
}
