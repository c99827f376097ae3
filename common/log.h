/*
 * Logging in the bgpd manner: log_warn appends strerror(errno), log_warnx
 * does not; fatal/fatalx log and exit(1). Lines go to stderr with a UTC
 * timestamp; log_debug only prints at verbosity >= 1.
 */
#ifndef DOTSGW_LOG_H
#define DOTSGW_LOG_H

void	log_init(const char *ident, int verbose);
int	log_verbosity(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
/*
 * While kick is set, lines wait for log_flush() (at the latest when 64 KiB
 * wait, or at exit()); kick(arg) runs when the first one waits: a loop
 * flushes once per turn. log_hold(NULL, NULL) writes them and ends it.
 */
void	log_hold(void (*kick)(void *), void *arg);
void	log_flush(void);

#endif
