/*
 * The k-driver half of a user-space stub pair starts its u-driver half: one program per side, so
 * each links only its own flavour of the stubs, joined by a SOCK_SEQPACKET socketpair (one message
 * per write, as the misc device gives). The u-driver gets its end's number as its only argument.
 */
#ifndef RT_PEER_H
#define RT_PEER_H

#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Starts prog with the other end of a new socketpair; returns this end (or -1) and the child. */
static inline int rt_spawn_peer(const char *prog, pid_t *pid)
{
	char fdarg[16];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -1;
	*pid = fork();
	if (*pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (*pid == 0) {
		close(sv[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
		execl(prog, prog, fdarg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	return sv[0];
}

/* Waits for the u-driver half: whether it exited with 0, its checks all passed. */
static inline int rt_peer_passed(pid_t pid)
{
	int status = 0;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
