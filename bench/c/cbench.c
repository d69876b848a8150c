// The C half of `npm run bench` (bench/c-codec.ts builds it with -O2 from the stubs mdidl generates
// for bench/c/cbench.mdl). Both sides' stubs are linked into one program (user flavour), so a call
// can go through two transports, or none:
//   codec    in-process: the k-side stub's send() serves the call on the u-side channel right away,
//            so a call is encode + dispatch + decode + reply, with no system call;
//   marshal  no transport at all: the k-side stub's call (encode the call, decode a reply that is
//            already there) and the u-side's serving of the recorded call (decode it, run the
//            implementation, encode the reply, which goes nowhere), timed apart;
//   call     a SOCK_SEQPACKET socketpair to a thread running the u-side channel (mdidl_fd.h).
// Each is timed against its floor, interleaved round by round so both see the same machine:
//   codec, marshal  vs memcpy of the call message's bytes;
//   call            vs a raw ping-pong of the same bytes over another socketpair (write, read a 4-byte reply).
// A call is measured twice, with the serving threads (the u-side's and the raw echo's) pinned to the
// caller's CPU and then to another: on a VM, waking a thread on an idle vCPU costs ~100 µs, a
// hand-off on the same CPU ~4 µs, and left to the scheduler the two threads landed on different
// CPUs, which compared one placement with the other.
// Output: one JSON object per line, {"mode", "payload", "message", "rounds": [[ns, floor_ns], ...]}
// (a call's also "cpu": "same" or "other");
// a marshal round is [encode + decode ns, floor ns, encode ns, decode ns].
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cbench.h"
#include "mdidl_fd.h"

static struct mdl_chan kchan, uchan;
static volatile u32 sink;

static s32 user_put(const u8 *data, u32 n)
{
	/* Touch the bytes' ends so the decoded array is really used. */
	sink += n ? data[0] + data[n - 1] : 0;
	return (s32)n;
}

static const struct bench_ops user_ops = { .put = user_put };
static const struct cbench_impls user_impls = { .bench_ops = &user_ops };

/* ---- in-process transport: send() from the k-side serves at once; the reply waits in `reply` */

static u8 *reply;
static size_t reply_len;

static int inproc_k_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	return mdl_chan_serve(&uchan, msg, len) < 0 ? -EIO : 0;
}

static long inproc_k_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	(void)t;
	if (reply_len > cap)
		return -EMSGSIZE;
	memcpy(buf, reply, reply_len);
	return (long)reply_len;
}

static int inproc_u_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	memcpy(reply, msg, len);
	reply_len = len;
	return 0;
}

static long inproc_u_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	(void)t;
	(void)buf;
	(void)cap;
	return -ESHUTDOWN;
}

/* ---- no transport: the k-side's send() keeps nothing, its recv() hands back a recorded reply */

static u8 *rec_call, *rec_reply;
static size_t rec_call_len, rec_reply_len;
static u32 rec_call_id;
static bool recording;

static int rec_k_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	rec_call_id = mdl_load_le32((const u8 *)msg + 20);
	if (!recording)
		return 0;
	memcpy(rec_call, msg, len);
	rec_call_len = len;
	return mdl_chan_serve(&uchan, msg, len) < 0 ? -EIO : 0;
}

static long rec_k_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	(void)t;
	if (rec_reply_len > cap)
		return -EMSGSIZE;
	memcpy(buf, rec_reply, rec_reply_len);
	/* The reply answers this call: only its call id differs from the recorded one. */
	mdl_store_le32((u8 *)buf + 20, rec_call_id);
	return (long)rec_reply_len;
}

static int rec_u_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	if (recording) {
		memcpy(rec_reply, msg, len);
		rec_reply_len = len;
	}
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The bytes a put(data, n) call puts on the wire: header, count + padding, bytes, padding, n. */
static size_t message_size(u32 n)
{
	size_t s = MDL_HEADER_SIZE + 8 + n;

	s = (s + 3) & ~(size_t)3;
	return s + 4;
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "cbench: %s failed (%d)\n", what, err);
	exit(1);
}

/* Iterations per timed batch: about `budget_ns` of work at the size, at least 4. */
static long iters_for(size_t bytes, long scale)
{
	long n = scale / (long)(bytes / 64 + 8);

	return n < 4 ? 4 : n;
}

static void bench_codec(const u8 *src, u8 *dst, u32 n, int rounds, long scale)
{
	size_t msg = message_size(n);
	long iters = iters_for(msg, scale), i;
	double t0, t1, t2;
	int r, rc;

	printf("{\"mode\":\"codec\",\"payload\":%u,\"message\":%zu,\"iters\":%ld,\"rounds\":[", n, msg,
	       iters);
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < iters; i++) {
			rc = cbench_bench_ops_put(src, n);
			if (rc != (s32)n)
				fail("an in-process call", rc);
		}
		t1 = now_ns();
		for (i = 0; i < iters; i++) {
			memcpy(dst, src, msg);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		t2 = now_ns();
		printf("%s[%.1f,%.1f]", r ? "," : "", (t1 - t0) / iters, (t2 - t1) / iters);
	}
	printf("]}\n");
	fflush(stdout);
}

static void bench_marshal(const u8 *src, u8 *dst, u32 n, int rounds, long scale)
{
	size_t msg = message_size(n);
	long iters = iters_for(msg, scale), i;
	double t0, t1, t2, t3;
	int r, rc;

	recording = true;
	rc = cbench_bench_ops_put(src, n);
	recording = false;
	if (rc != (s32)n || rec_call_len != msg)
		fail("recording a call", rc);
	printf("{\"mode\":\"marshal\",\"payload\":%u,\"message\":%zu,\"iters\":%ld,\"rounds\":[", n,
	       msg, iters);
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < iters; i++) {
			rc = cbench_bench_ops_put(src, n);
			if (rc != (s32)n)
				fail("encoding a call", rc);
		}
		t1 = now_ns();
		for (i = 0; i < iters; i++) {
			rc = mdl_chan_serve(&uchan, rec_call, rec_call_len);
			if (rc)
				fail("decoding a call", rc);
		}
		t2 = now_ns();
		for (i = 0; i < iters; i++) {
			memcpy(dst, src, msg);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		t3 = now_ns();
		printf("%s[%.1f,%.1f,%.1f,%.1f]", r ? "," : "", (t2 - t0) / iters, (t3 - t2) / iters,
		       (t1 - t0) / iters, (t2 - t1) / iters);
	}
	printf("]}\n");
	fflush(stdout);
}

/* ---- over a socketpair -------------------------------------------------------------------- */

static void *serve_user(void *arg)
{
	size_t cap = (size_t)MDL_MAX_PAYLOAD_DEFAULT + MDL_HEADER_SIZE;
	u8 *buf = malloc(cap);

	(void)arg;
	if (buf)
		mdl_chan_run(&uchan, buf, cap);
	free(buf);
	return NULL;
}

static void *echo_raw(void *arg)
{
	int fd = *(int *)arg;
	size_t cap = (size_t)MDL_MAX_PAYLOAD_DEFAULT + MDL_HEADER_SIZE;
	u8 *buf = malloc(cap);
	u32 ack = 0;
	ssize_t got;

	while (buf && (got = read(fd, buf, cap)) > 0) {
		ack = (u32)got;
		if (write(fd, &ack, sizeof(ack)) != sizeof(ack))
			break;
	}
	free(buf);
	return NULL;
}

/* The first two CPUs this process may run on (cpus[1] = -1 when it has one). */
static void two_cpus(int cpus[2])
{
	cpu_set_t set;
	int c, k = 0;

	cpus[0] = 0;
	cpus[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (c = 0; c < CPU_SETSIZE && k < 2; c++)
		if (CPU_ISSET(c, &set))
			cpus[k++] = c;
}

static void pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(t, sizeof(set), &set))
		fail("pinning a thread", -EINVAL);
}

static void bench_call(int rawfd, const u8 *src, u32 n, int rounds, long scale, const char *cpu)
{
	size_t msg = message_size(n);
	long iters = iters_for(msg, scale / 40), i;
	double t0, t1, t2;
	u32 ack;
	int r, rc;

	printf("{\"mode\":\"call\",\"cpu\":\"%s\",\"payload\":%u,\"message\":%zu,\"iters\":%ld,\"rounds\":[",
	       cpu, n, msg, iters);
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < iters; i++) {
			rc = cbench_bench_ops_put(src, n);
			if (rc != (s32)n)
				fail("a call over the socketpair", rc);
		}
		t1 = now_ns();
		for (i = 0; i < iters; i++) {
			if (write(rawfd, src, msg) != (ssize_t)msg || read(rawfd, &ack, 4) != 4 ||
			    ack != msg)
				fail("the raw ping-pong", -EIO);
		}
		t2 = now_ns();
		printf("%s[%.1f,%.1f]", r ? "," : "", (t1 - t0) / iters, (t2 - t1) / iters);
	}
	printf("]}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const u32 sizes[] = { 64, 312, 1024, 4096, 16384, 65536 };
	struct mdl_transport kin = { inproc_k_send, inproc_k_recv };
	struct mdl_transport uin = { inproc_u_send, inproc_u_recv };
	struct mdl_transport krec = { rec_k_send, rec_k_recv };
	struct mdl_transport urec = { rec_u_send, inproc_u_recv };
	struct mdl_fd_transport kfd, ufd;
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	long scale = argc > 2 ? atol(argv[2]) : 200000;
	int sv[2], raw[2], err;
	pthread_t user, echo;
	u8 *src, *dst;
	size_t k;
	int cpus[2], p;

	src = malloc(1 << 20);
	dst = malloc(1 << 20);
	reply = malloc(4096);
	rec_call = malloc(1 << 20);
	rec_reply = malloc(4096);
	if (!src || !dst || !reply || !rec_call || !rec_reply || rounds < 1 || scale < 1)
		return 2;
	for (k = 0; k < 1 << 20; k++)
		src[k] = (u8)(k * 31 + 7);

	/* In-process: the k-side's calls are served during its send(). */
	err = cbench_user_open(&uchan, &uin, 0, &user_impls);
	err = err ?: cbench_kernel_open(&kchan, &kin, 0, NULL);
	if (err)
		fail("opening the in-process channels", err);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		bench_codec(src, dst, sizes[k], rounds, scale);
	cbench_kernel_close(&kchan);
	cbench_user_close(&uchan);

	/* No transport: each side's marshaling alone. */
	err = cbench_user_open(&uchan, &urec, 0, &user_impls);
	err = err ?: cbench_kernel_open(&kchan, &krec, 0, NULL);
	if (err)
		fail("opening the channels without transport", err);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		bench_marshal(src, dst, sizes[k], rounds, scale);
	cbench_kernel_close(&kchan);
	cbench_user_close(&uchan);

	/* Over a socketpair, the u-side in its own thread. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, raw))
		fail("socketpair", -errno);
	mdl_fd_transport_init(&kfd, sv[0], 20000);
	mdl_fd_transport_init(&ufd, sv[1], 0);
	err = cbench_user_open(&uchan, &ufd.t, 0, &user_impls);
	err = err ?: cbench_kernel_open(&kchan, &kfd.t, 0, NULL);
	if (err)
		fail("opening the socketpair channels", err);
	if (pthread_create(&user, NULL, serve_user, NULL) ||
	    pthread_create(&echo, NULL, echo_raw, &raw[1]))
		fail("pthread_create", -EAGAIN);
	/* A seqpacket socket carries a message whole: the default buffers hold 64 KiB and more. */
	two_cpus(cpus);
	pin(pthread_self(), cpus[0]);
	for (p = 0; p < 2 && cpus[p] >= 0; p++) {
		pin(user, cpus[p]);
		pin(echo, cpus[p]);
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			bench_call(raw[0], src, sizes[k], rounds, scale, p ? "other" : "same");
	}
	shutdown(sv[0], SHUT_RDWR);
	shutdown(raw[0], SHUT_RDWR);
	pthread_join(user, NULL);
	pthread_join(echo, NULL);
	cbench_kernel_close(&kchan);
	cbench_user_close(&uchan);
	close(sv[0]);
	close(sv[1]);
	close(raw[0]);
	close(raw[1]);
	free(src);
	free(dst);
	free(reply);
	free(rec_call);
	free(rec_reply);
	return 0;
}
