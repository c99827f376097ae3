/*
 * dotsctl's parts: options.c (the command line), commands.c (requests),
 * output.c (answers), ctl_admin.c (the control socket), dotsctl.c (main).
 */
#ifndef DOTSGW_DOTSCTL_H
#define DOTSGW_DOTSCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "client/client.h"
#include "common/cuid.h"

#define EX_RESP_OK	0
#define EX_RESP_ERR	1
#define EX_NORESP	2
#define EX_USAGE	64

#define DEFAULT_URI	"coaps://127.0.0.1:4646"
#define DEFAULT_DATA_URI "https://127.0.0.1:4648"
#define SC		"ietf-dots-signal-channel:"

#define CTL_MAX_SERVERS	8

struct ctl {
	struct dc_opts	 o;
	uint8_t		 psk_key[64];
	const char	*cuid;
	char		 cuid_buf[CUID_BUFLEN];
	const char	*cdid;
	const char	*socket;	/* the control socket (--socket) */
	const char	*data_uri;	/* --data-channel, data.c */
	bool		 json;
	bool		 con;
	unsigned	 timeout;	/* seconds */
	int		 verbose;
	struct dots_client *dc;
	int		 status;	/* exit status so far */
	/* --server given more than once, or a comma-separated list: a
	 * request no server answers goes to the next (a cluster) */
	const char	*servers[CTL_MAX_SERVERS];
	size_t		 n_servers, cur_server;
};

/* A request body in the making: flags or a file. */
struct body {
	json_t		*scope;		/* target flags, NULL until one */
	const char	*json_file;
	const char	*cbor_file;
	int		 content_format;
	uint8_t		*buf;
	size_t		 len;
};

enum {
	O_MID = 256, O_PREFIX, O_PORT, O_PROTO, O_FQDN, O_URI, O_ALIAS,
	O_LIFETIME, O_NOTRIGGER, O_FILE, O_CBORFILE, O_CF, O_OBSERVE,
	O_ATTACK, O_SID, O_HB, O_MISSING, O_RETRANS, O_ACKTO, O_ACKRF,
	O_PROBING, O_IDLE, O_MITIGATING, O_COUNT, O_INTERVAL, O_PEERHB,
};

/* Every command option, parsed once; each command checks what it allows. */
struct args {
	const char	*cmd;
	uint64_t	 seen;		/* 1 << (O_x - 256) */
	bool		 has_mid;
	uint32_t	 mid;
	bool		 has_sid;
	uint32_t	 sid;
	long long	 lifetime;
	bool		 no_trigger;
	unsigned	 observe;
	const char	*attack;
	struct body	 body;
	json_t		*cfg;		/* signal-config params */
	bool		 idle, mitigating;
	unsigned	 count, interval;
	bool		 peer_hb;
};

#define SEEN(o)		(1ull << ((o) - 256))
#define TARGET_OPTS	(SEEN(O_PREFIX) | SEEN(O_PORT) | SEEN(O_PROTO) | \
	SEEN(O_FQDN) | SEEN(O_URI) | SEEN(O_ALIAS))
#define BODY_OPTS	(SEEN(O_FILE) | SEEN(O_CBORFILE) | SEEN(O_CF))
#define CFG_OPTS	(SEEN(O_HB) | SEEN(O_MISSING) | SEEN(O_RETRANS) | \
	SEEN(O_ACKTO) | SEEN(O_ACKRF) | SEEN(O_PROBING))


void	usage_err(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
void	parse_global(struct ctl *, int argc, char **argv);
void	parse_cmd_args(struct ctl *, struct args *, int argc, char **argv);
void	allow_only(const struct args *, uint64_t allowed);
json_t	*scope_of(struct body *);

void	print_resp(struct ctl *, const struct dc_resp *, bool notification);
void	report_failure(struct ctl *, int st);
/* failover.c: the next --server, a new session with it: 0, or -1 (none
 * left, or it cannot be used: said on stderr) */
int	ctl_next_server(struct ctl *);
void	run_request(struct ctl *, struct dc_req *);

void	cmd_mitigate(struct ctl *, struct args *, bool efficacy);
void	cmd_get(struct ctl *, struct args *);
void	cmd_withdraw(struct ctl *, struct args *);
void	cmd_config(struct ctl *, struct args *, const char *sub);
void	cmd_hb(struct ctl *, struct args *);
void	cmd_register(struct ctl *, struct args *, const char *sub);
/* data SUB ...: argv from "data"; the exit status */
int	cmd_data(struct ctl *, struct args *, int argc, char **argv);
int	cmd_usage(struct ctl *, int argc, char **argv);	/* usage.c */
/* telemetry.c: its own options (argv from the subcommand on) */
void	cmd_telemetry(struct ctl *, const char *sub, int argc, char **argv);

#endif
