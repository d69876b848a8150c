/* SPDX-License-Identifier: MIT */
/*
 * What the two sides of test/c/ulayout.test.ts take from the plain user-mode translation unit
 * (ul_host.c): both sides are built from kbuild's preprocessed units, which cannot include the C
 * library's headers, so the socketpair, the process and the report live there. Plain C on both
 * sides of the link: struct mdl_transport is the one type they share.
 */
#ifndef UL_HOST_H
#define UL_HOST_H

struct mdl_transport;

/* The k-driver's end: starts `peer` with the other end of a SOCK_SEQPACKET socketpair. */
struct mdl_transport *ul_spawn(const char *peer);
/* The u-driver's end: the descriptor its parent passed as argv[1]. */
struct mdl_transport *ul_attach(const char *fdarg);
/* Closes this end, waits for the peer (if this side started it); 0 when every check passed there and here. */
int ul_finish(const char *side);
void ul_check(int ok, const char *file, int line, const char *what);

#define UL_CHECK(cond, what) ul_check(!!(cond), __FILE__, __LINE__, (what))

#endif
