/*
 * What a state-store back-end gives store.c (store.h is the interface the
 * daemon sees). store.c owns the group-commit bookkeeping (brackets, lazy
 * writes, committed/synced, stats) and turns records into rows; a
 * back-end runs transactions and the statements below, each with the same
 * parameters ($1.. / ?1..) and the same result columns on every engine.
 * Only store_sqlite.c includes sqlite3.h, only store_pg.c libpq-fe.h.
 */
#ifndef DOTSGW_STORE_BE_H
#define DOTSGW_STORE_BE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum store_stmt {
	S_MIT_PUT, S_MIT_DEL, S_MIT_ALL,
	S_PL_PUT, S_PL_DEL, S_PL_ALL,
	S_MID_PUT, S_MID_GET,
	S_CFG_PUT, S_CFG_DEL, S_CFG_ALL,
	S_REG_PUT, S_REG_DEL, S_REG_ALL,
	S_COUNT
};

enum store_vtype { SV_NULL, SV_INT, SV_TEXT, SV_BLOB };

/* A parameter or a result column. Text is NUL-terminated; a blob may be
 * empty (p then points to an empty string, never NULL). Result columns
 * are valid until the row callback returns. */
struct store_val {
	enum store_vtype type;
	int64_t		 i;
	const void	*p;
	size_t		 len;
};

#define STORE_MAX_COLS	15

typedef int (*store_row_fn)(const struct store_val *cols, int ncols,
    void *arg);

struct store_be_ops {
	const char	*name;
	/* a write transaction: open, commit (0 only when committed: -1
	 * leaves it to rollback), roll back (never fails) */
	int	(*begin)(void *);
	int	(*commit)(void *);
	void	(*rollback)(void *);
	/* make every commit so far durable; NULL: a commit already is */
	int	(*sync)(void *);
	/* brackets share one transaction, committed at the sync (store.c) */
	bool	 batch;
	int	(*exec)(void *, enum store_stmt, const struct store_val *, int);
	/* rows to fn until it returns != 0: that value, 0 at the end, -1 */
	int	(*query)(void *, enum store_stmt, const struct store_val *, int,
		    store_row_fn, void *);
	/* the last failure, for store_error() */
	const char *(*error)(void *);
	/* commits an open transaction first */
	void	(*close)(void *);
};

extern const struct store_be_ops store_sqlite_ops;
extern const struct store_be_ops store_pg_ops;

/* NULL with err on failure. */
void	*store_sqlite_open(const char *path, char *err, size_t errlen);
void	*store_pg_open(const char *conninfo, char *err, size_t errlen);
/* The back-end's PGconn (store_pg_cluster.c), NULL while down. */
void	*store_pg_conn(void *be);

#endif
