/*
 * The state that survives a restart, in one SQLite database (WAL mode,
 * every commit synced before what stands for it leaves) in the config's
 * state-dir, or in PostgreSQL (store: {type: postgresql}; every commit
 * durable when the server answers it): accepted downstream
 * mitigations, their placements upstream, each upstream's next mid (RFC
 * 9132 §4.4.1: mids under our cuid keep increasing across restarts),
 * peers' negotiated signal configurations, and a generic name -> CBOR table
 * for other state (orchestrator registrations).
 *
 * The back-ends live behind store_be.h (store_sqlite.c, store_pg.c); this
 * interface is the same for both. It knows nothing of the
 * daemon's structs: records are plain values, and a record passed to a
 * foreach callback is valid only during the call.
 *
 * Every write is a transaction of its own, unless it happens between
 * store_begin() and store_end(): a request handler brackets its work so
 * that all it changed commits at once, before its response leaves.
 * A lazy write (store_pl_put_lazy) outside a bracket does not wait for
 * the disk: it joins the open transaction, which the next bracket that
 * writes commits with its own, or store_flush(). It is for what a restart
 * can learn again (an upstream's acceptance: the resynchronisation reads
 * it back), so a commit's fsync stays off the path of the answer.
 * A NULL store accepts every call and does nothing (no state-dir store).
 */
#ifndef DOTSGW_STORE_H
#define DOTSGW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* One downstream mitigation as accepted. */
struct store_mit {
	const char	*peer;		/* conf peer name */
	const char	*cuid;
	uint32_t	 mid;
	const char	*cdid;		/* NULL = none (trusted gateways only) */
	const char	*path_cdid;	/* cdid of the request's Uri-Path, "" */
	const uint8_t	*scope;		/* the scope, as the codec encodes it */
	size_t		 scope_len;
	int64_t		 lifetime;	/* granted; -1 indefinite */
	int64_t		 expires;	/* wall clock, Unix seconds; 0 never */
	uint64_t	 start;		/* mitigation-start, Unix seconds */
	uint32_t	 status;
	int		 trigger;	/* trigger-mitigation: -1 absent, 0, 1 */
	uint32_t	 attack_status;	/* last efficacy update, 0 none */
	bool		 local;		/* counted in local capacity */
	const char	*cdid_up;	/* cdid sent upstream, "" none */
	uint32_t	 hop_limit;	/* as received, 0 none */
};

/* One placement upstream of a downstream mitigation (cuid, mid). */
struct store_pl {
	const char	*cuid;		/* the downstream mitigation's */
	uint32_t	 mid;
	const char	*upstream;	/* conf peer name of the upstream */
	uint32_t	 umid;		/* our mid there */
	int		 state;		/* enum placement_state */
	int64_t		 lifetime;	/* granted there */
};

struct store_stats {
	uint64_t	 commits;	/* write transactions */
	uint64_t	 syncs;		/* fdatasyncs: one covers many commits */
	uint64_t	 write_ns;	/* time in statements, commits, syncs */
	uint64_t	 errors;
	uint64_t	 statements;	/* write statements run */
};

/* Open (create) the database at path. NULL with err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
/* Connect to PostgreSQL, create or migrate the schema. A database whose
 * schema is newer than this binary's is refused (err names both). While
 * the server is unreachable writes fail (-1) and the store reconnects by
 * itself at a later write. */
struct store *store_open_pg(const char *conninfo, char *err, size_t errlen);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *);
void	store_close(struct store *);
void	store_stats(const struct store *, struct store_stats *);

/* Group writes into one transaction; nests. store_end() commits at the
 * outermost level and waits for the disk: 0, or -1 when the commit failed
 * (rolled back) or could not be synced. */
int	store_begin(struct store *);
int	store_end(struct store *);
/*
 * Group commit (store.c): store_commit() is store_end() without waiting
 * for the disk (a failed commit is -1 all the same, its writes rolled
 * back); store_sync() makes every commit so far durable at once (0, or
 * -1 with store_error()). A reply that stands for a commit waits until
 * store_synced() reaches the store_committed() its commit made.
 */
int	store_commit(struct store *);
int	store_sync(struct store *);
uint64_t store_committed(const struct store *);
uint64_t store_synced(const struct store *);

/*
 * Batches (SQLite): a bracket's commit only closes it; its rows wait in
 * one transaction with the brackets after it, which store_sync() (or
 * store_flush(), or a store_end()) commits: a commit and its WAL pages
 * per batch, not per request (tests/bench/README.md). Should that fail,
 * or a write after them fail, every commit in the batch is lost: the
 * commits up to store_lost() never reach the disk (their answers are
 * 5.03), and what memory did for them is undone. store_on_undo() gives
 * the open batch (with the bracket open now, if any) fn(arg, true) to run
 * then; fn(arg, false) frees arg once the batch committed (at once when
 * nothing waits to commit). The undos run at store_undo_lost(), which
 * the lost hook schedules: a batch can be lost deep inside another
 * write. -1: no memory to keep it (arg freed). Without batches
 * (PostgreSQL) each bracket commits, and an undo given inside one runs
 * when its commit fails.
 */
int	store_on_undo(struct store *, void (*fn)(void *arg, bool run),
	    void *arg);
void	store_set_lost_hook(struct store *, void (*fn)(void *), void *arg);
void	store_undo_lost(struct store *);
uint64_t store_lost(const struct store *);

/* Lazy writes wait for a commit; store_flush() commits them (0 or -1). */
bool	store_pending(const struct store *);
int	store_flush(struct store *);
/* What the last failed statement said ("database or disk is full"). */
const char *store_error(const struct store *);

/*
 * A cluster of nodes on one PostgreSQL database (gateway/state/cluster.c).
 * fn runs at the start of every write transaction, before its first
 * statement, on the back-end's connection (store_native()): the
 * cluster's lock and its catch-up with the other nodes' commits; -1
 * (with err) fails the transaction. store_global() opens the bracket's
 * transaction now, so that what is decided next sees every node's
 * commits (no hook: nothing, 0; -1: the bracket fails, 5.03). While
 * muted, mitigation writes do nothing: what is applied from the database
 * is there already.
 */
void	store_set_txn_hook(struct store *, int (*fn)(void *arg, char *err,
	    size_t errlen), void *arg);
int	store_global(struct store *);
void	store_mute(struct store *, bool);
void	*store_native(struct store *);

/* Write calls return 0 or -1 (logged). */
int	store_mit_put(struct store *, const struct store_mit *);
/* The mitigation and its placements. */
int	store_mit_del(struct store *, const char *cuid, uint32_t mid);
int	store_mit_foreach(struct store *,
	    int (*fn)(const struct store_mit *, void *), void *arg);

int	store_pl_put(struct store *, const struct store_pl *);
int	store_pl_put_lazy(struct store *, const struct store_pl *);
int	store_pl_del(struct store *, const char *upstream, uint32_t umid);
/* Every placement, each with its downstream key. */
int	store_pl_foreach(struct store *,
	    int (*fn)(const struct store_pl *, void *), void *arg);

int	store_next_mid_put(struct store *, const char *upstream, uint32_t);
/* 0 with *next, 1 when none is stored, -1 on error. */
int	store_next_mid_get(struct store *, const char *upstream, uint32_t *);

/* A peer's negotiated signal configuration: sid and the CBOR the codec
 * encodes for it. */
int	store_sigcfg_put(struct store *, const char *peer, uint32_t sid,
	    const uint8_t *cbor, size_t len);
int	store_sigcfg_del(struct store *, const char *peer);
int	store_sigcfg_foreach(struct store *, int (*fn)(const char *peer,
	    uint32_t sid, const uint8_t *, size_t, void *), void *arg);

/* Generic registrations: name -> CBOR value, replaced on put. */
int	store_reg_put(struct store *, const char *name, const uint8_t *cbor,
	    size_t len);
int	store_reg_del(struct store *, const char *name);
int	store_reg_foreach(struct store *, int (*fn)(const char *name,
	    const uint8_t *, size_t, void *), void *arg);

#endif
