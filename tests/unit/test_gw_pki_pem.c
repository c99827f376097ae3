/*
 * pki_pem_load (client/pki.h): the server's PEM files read whole, each
 * with a NUL its length counts (libcoap 4.3.1 then parses the buffer in
 * place instead of copying it per session); a missing or unnamed file is
 * an error naming it, with nothing held; a pipe is read as it comes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/pki.h"
#include "unit.h"

static char dir[] = "/tmp/dotsgw-pki-pem.XXXXXX";

static char *
path_of(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
write_file(const char *name, const char *body, size_t len)
{
	FILE *f = fopen(path_of(name), "w");

	if (f == NULL || fwrite(body, 1, len, f) != len || fclose(f) != 0) {
		perror(name);
		exit(1);
	}
}

/* buf holds exactly body and a NUL, which len counts */
static int
holds(const uint8_t *buf, size_t len, const char *body, size_t blen)
{
	return buf != NULL && len == blen + 1 && memcmp(buf, body, blen) == 0 &&
	    buf[blen] == '\0';
}

int
main(void)
{
	static const char ca[] = "-----BEGIN CERTIFICATE-----\nca\n"
	    "-----END CERTIFICATE-----\n";
	static const char cert[] = "-----BEGIN CERTIFICATE-----\ncert\n"
	    "-----END CERTIFICATE-----\n";
	static const char key[] = "-----BEGIN PRIVATE KEY-----\nkey\n"
	    "-----END PRIVATE KEY-----\n";
	struct pki_pem pem;
	char err[512], want[512];
	coap_dtls_pki_t p;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	write_file("ca.pem", ca, strlen(ca));
	write_file("cert.pem", cert, strlen(cert));
	write_file("key.pem", key, strlen(key));
	write_file("empty.pem", "", 0);

	TEST("pki_pem: three files, each whole with a counted NUL") {
		CHECK(pki_pem_load(&pem, path_of("ca.pem"), path_of("cert.pem"),
		    path_of("key.pem"), err, sizeof(err)) == 0);
		CHECK(holds(pem.ca, pem.ca_len, ca, strlen(ca)));
		CHECK(holds(pem.cert, pem.cert_len, cert, strlen(cert)));
		CHECK(holds(pem.key, pem.key_len, key, strlen(key)));
		pki_setup_pem(&p, &pem, NULL, NULL);
		CHECK(p.pki_key.key_type == COAP_PKI_KEY_PEM_BUF);
		CHECK(p.pki_key.key.pem_buf.ca_cert == pem.ca);
		CHECK(p.pki_key.key.pem_buf.ca_cert_len == pem.ca_len);
		CHECK(p.pki_key.key.pem_buf.public_cert == pem.cert);
		CHECK(p.pki_key.key.pem_buf.private_key_len == pem.key_len);
		/* the same checks of the peer as pki_setup's */
		CHECK(p.verify_peer_cert == 1 && p.check_common_ca == 1 &&
		    p.cert_chain_validation == 1 &&
		    p.cert_chain_verify_depth == 3);
		pki_pem_free(&pem);
		CHECK(pem.ca == NULL && pem.cert == NULL && pem.key == NULL);
	}

	TEST("pki_pem: an empty file is one NUL") {
		CHECK(pki_pem_load(&pem, path_of("empty.pem"),
		    path_of("cert.pem"), path_of("key.pem"), err,
		    sizeof(err)) == 0);
		CHECK(holds(pem.ca, pem.ca_len, "", 0));
		pki_pem_free(&pem);
	}

	TEST("pki_pem: a missing file is named, nothing held") {
		memset(&pem, 0xa5, sizeof(pem));
		CHECK(pki_pem_load(&pem, path_of("ca.pem"), path_of("cert.pem"),
		    path_of("nokey.pem"), err, sizeof(err)) == -1);
		snprintf(want, sizeof(want), "cannot read %s: %s",
		    path_of("nokey.pem"), strerror(ENOENT));
		CHECK_STR(err, want);
		CHECK(pem.ca == NULL && pem.cert == NULL && pem.key == NULL);
	}

	TEST("pki_pem: a file not configured is named") {
		CHECK(pki_pem_load(&pem, path_of("ca.pem"), NULL,
		    path_of("key.pem"), err, sizeof(err)) == -1);
		CHECK_STR(err, "no certificate file configured");
		CHECK(pem.ca == NULL && pem.cert == NULL && pem.key == NULL);
	}

	TEST("pki_pem: a pipe is read whole, past its first buffer") {
		static char big[50000];
		pid_t pid;
		int status;

		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (char)('a' + i % 26);
		CHECK(mkfifo(path_of("fifo"), 0600) == 0);
		if ((pid = fork()) == 0) {
			int fd = open(path_of("fifo"), O_WRONLY);

			_exit(fd >= 0 && write(fd, big, sizeof(big)) ==
			    (ssize_t)sizeof(big) ? 0 : 1);
		}
		CHECK(pid > 0);
		CHECK(pki_pem_load(&pem, path_of("fifo"), path_of("cert.pem"),
		    path_of("key.pem"), err, sizeof(err)) == 0);
		CHECK(holds(pem.ca, pem.ca_len, big, sizeof(big)));
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0);
		pki_pem_free(&pem);
	}

	unlink(path_of("ca.pem"));
	unlink(path_of("cert.pem"));
	unlink(path_of("key.pem"));
	unlink(path_of("empty.pem"));
	unlink(path_of("fifo"));
	rmdir(dir);
	return UNIT_EXIT();
}
