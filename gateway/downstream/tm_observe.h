/*
 * Observable telemetry resources (RFC 9244 §8.3): ".../tm/cuid=X" and
 * ".../tm/cuid=X/tmid=N" exist while the cuid has that telemetry, so a
 * client may GET them with Observe. They are notified when a report
 * changes and, for a peer whose current-config set
 * telemetry-notify-interval, every that many seconds (what the server
 * says about subscribed targets, the rates it drops, moves on). A
 * removed report's resource goes at the next loop turn, never inside
 * the request that removed it. Reports restored from the store get
 * theirs at the first loop turn (the server exists by then).
 */
#ifndef DOTSGW_DOWNSTREAM_TM_OBSERVE_H
#define DOTSGW_DOWNSTREAM_TM_OBSERVE_H

struct gw;
struct tm_observe;
struct tm_report_rec;

struct tm_observe *tm_observe_new(struct gw *);
void	tm_observe_free(struct tm_observe *);
/* A report changed (struct tm_events hook; arg is the struct gw). */
void	tm_observe_on_report(const struct tm_report_rec *, void *gw);

#endif
