// SPDX-License-Identifier: MIT
/* The plain user-mode half of test/c/ulayout's two programs (ul_host.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mdidl_fd.h"
#include "ul_host.h"

static struct mdl_fd_transport ft;
static pid_t child = -1;
static int checks, failures;

struct mdl_transport *ul_spawn(const char *peer)
{
	char fdarg[16];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return NULL;
	child = fork();
	if (child == 0) {
		close(sv[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
		execl(peer, peer, fdarg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	mdl_fd_transport_init(&ft, sv[0], 20000);
	return &ft.t;
}

struct mdl_transport *ul_attach(const char *fdarg)
{
	mdl_fd_transport_init(&ft, atoi(fdarg), 20000);
	return &ft.t;
}

int ul_finish(const char *side)
{
	int status = 0;

	close(ft.fd);
	if (child > 0) {
		waitpid(child, &status, 0);
		UL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the u-driver's checks passed");
	}
	printf("%s: %d checks, %d failures\n", side, checks, failures);
	fflush(stdout);
	return failures ? 1 : 0;
}

void ul_check(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		checks++;
		return;
	}
	failures++;
	printf("FAIL %s:%d: %s\n", file, line, what);
	fflush(stdout);
}
