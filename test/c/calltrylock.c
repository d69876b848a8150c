// mdl_call_trylock / mdl_call_release (runtime/c/mdidl_rpc.c): the call lock ahead of a call for a
// caller that must not wait behind another thread's call in flight (split's work-item trampolines).
// Built as the kernel flavour on the user-space shim and as the user flavour; one line per failed
// check and a summary.
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include "mdidl_rpc.h"

static struct mdl_chan chan;
static int failures, checks;
static volatile int held, release_now, tried, try_result = -1;

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		checks++;                                                                \
		if (!(c)) {                                                              \
			failures++;                                                      \
			printf("FAIL %s\n", what);                                       \
		}                                                                        \
	} while (0)

static void nap(long ms)
{
	struct timespec t = { 0, ms * 1000000L };

	nanosleep(&t, NULL);
}

static int no_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	(void)msg;
	(void)len;
	return -ENOTCONN;
}

static long no_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	(void)t;
	(void)buf;
	(void)cap;
	return -ENOTCONN;
}

static struct mdl_transport tr = { .send = no_send, .recv = no_recv };
static const struct mdl_module mod = { .name = "trylock", .version = 1 };

/* Another thread holds the lock, as a call in flight does, until told to let go. */
static void *holder(void *arg)
{
	(void)arg;
	if (!mdl_call_trylock(&chan))
		return NULL;
	held = 1;
	while (!release_now)
		nap(1);
	mdl_call_release(&chan);
	held = 0;
	return NULL;
}

static void *trier(void *arg)
{
	(void)arg;
	try_result = mdl_call_trylock(&chan);
	if (try_result)
		mdl_call_release(&chan);
	tried = 1;
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	int err = mdl_chan_init(&chan, &mod, &tr, 4096);

	CHECK(err == 0, "the channel initialises");
	/* Free: taken; this thread may take it again (its calls nest in it), and give both back. */
	CHECK(mdl_call_trylock(&chan), "a free call lock is taken");
	CHECK(mdl_call_trylock(&chan), "the holder takes it again, nested");
	mdl_call_release(&chan);
	mdl_call_release(&chan);
	/* Held by another thread: refused at once, taking nothing. */
	pthread_create(&a, NULL, holder, NULL);
	while (!held)
		nap(1);
	pthread_create(&b, NULL, trier, NULL);
	pthread_join(b, NULL);
	CHECK(tried && try_result == 0, "held by another thread: refused, without waiting");
	release_now = 1;
	pthread_join(a, NULL);
	/* Released: free again. */
	tried = 0;
	pthread_create(&b, NULL, trier, NULL);
	pthread_join(b, NULL);
	CHECK(tried && try_result == 1, "released: taken again");
	mdl_chan_destroy(&chan);
	printf("calltrylock: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
