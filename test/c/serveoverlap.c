// Two threads serving calls of one channel at once (runtime/c/mdidl_rpc.c): the channel's serve
// buffer goes to one serve at a time, taken under the table lock and given back after its send
// with a release store (mdl_chan.serve_busy); a serve that finds it taken replies in a spare.
// Built as the kernel flavour on the user-space shim and as the user flavour, under
// ThreadSanitizer. A hand-written serve (as the generated ones are) answers v with 2v + 1; in the
// lockstep rounds both threads are inside their serves together, so each reply must be in its own
// buffer and hold its own answer when both have been written; the free-running rounds let the
// two take and give the buffer back in any order. One line per failed check and a summary.
#include <pthread.h>
#include <stdio.h>
#include "mdidl_rpc.h"

#define LOCKSTEP 2000
#define FREE_RUNNING 20000

static struct mdl_chan chan;
static pthread_barrier_t both;
static int lockstep = 1;
static const void *sent[2];
static int failures[2], checks[2];
static __thread int me;
static __thread u32 want;

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		checks[me]++;                                                            \
		if (!(c)) {                                                              \
			failures[me]++;                                                  \
			printf("FAIL thread %d: %s\n", me, what);                        \
		}                                                                        \
	} while (0)

static u32 reply_value(const void *msg, size_t len)
{
	struct mdl_reader r;
	struct mdl_header h;
	u32 v = 0;

	mdl_reader_init(&r, msg, len);
	if (mdl_header_decode(&r, 4096, &h) || h.kind != MDL_KIND_REPLY || mdl_get_u32(&r, &v))
		return 0;
	return v;
}

static int overlap_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	if (lockstep) {
		sent[me] = msg;
		pthread_barrier_wait(&both);
		/* Both replies are written now: a shared buffer would hold only one of them. */
		CHECK(sent[0] != sent[1], "two serves at once reply in two buffers");
		CHECK(reply_value(msg, len) == 2 * want + 1, "a reply holds its own serve's answer");
		pthread_barrier_wait(&both);
	} else {
		CHECK(reply_value(msg, len) == 2 * want + 1, "a reply holds its own serve's answer");
	}
	return 0;
}

static long no_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	(void)t;
	(void)buf;
	(void)cap;
	return -ENOTCONN;
}

static int serve_twice(struct mdl_chan *c, struct mdl_in *m, struct mdl_out *out)
{
	u32 v;
	int err = mdl_get_u32(&m->r, &v);

	(void)c;
	err = err ?: mdl_in_end(m);
	if (err)
		return err;
	/* The implementation: both threads are in their serves, past taking their reply buffers. */
	if (lockstep)
		pthread_barrier_wait(&both);
	err = mdl_reply_start(out);
	err = err ?: mdl_out_objects(out);
	return err ?: mdl_put_u32(&out->w, 2 * v + 1);
}

static const struct mdl_function fns[] = { { 1, "twice", serve_twice, 0, NULL } };
static const struct mdl_iface ifaces[] = { { 1, "overlap", 1, fns, NULL } };
static const struct mdl_module mod = { .name = "overlap", .version = 1, .nifaces = 1, .ifaces = ifaces };
static struct mdl_transport tr = { .send = overlap_send, .recv = no_recv };

/* A call of twice(v), as a peer would send it. */
static size_t make_call(u8 *buf, size_t cap, u32 call_id, u32 v)
{
	struct mdl_header h = { .module_version = 1, .kind = MDL_KIND_CALL, .interface_id = 1,
				.function_id = 1, .call_id = call_id };
	struct mdl_writer w;
	size_t at;

	mdl_writer_init(&w, buf, cap);
	if (mdl_header_encode(&w, &h, &at) || mdl_put_u32(&w, v) || mdl_header_finish(&w, at, 0))
		return 0;
	return w.pos;
}

static void *server(void *arg)
{
	u64 call[8];
	size_t len;
	int i;

	me = (int)(uintptr_t)arg;
	for (i = 0; i < LOCKSTEP + FREE_RUNNING; i++) {
		if (i == LOCKSTEP) {
			pthread_barrier_wait(&both);
			if (me == 0)
				lockstep = 0;
			pthread_barrier_wait(&both);
		}
		want = (u32)(i * 2 + me);
		len = make_call((u8 *)call, sizeof(call), (u32)i + 1, want);
		CHECK(len && mdl_chan_serve(&chan, call, len) == 0, "a call is served");
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	int err = mdl_chan_init(&chan, &mod, &tr, 4096);

	if (err || pthread_barrier_init(&both, NULL, 2))
		return 2;
	pthread_create(&t[0], NULL, server, (void *)(uintptr_t)0);
	pthread_create(&t[1], NULL, server, (void *)(uintptr_t)1);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	mdl_chan_destroy(&chan);
	pthread_barrier_destroy(&both);
	printf("serveoverlap: %d checks, %d failures\n", checks[0] + checks[1], failures[0] + failures[1]);
	return failures[0] + failures[1] != 0;
}
