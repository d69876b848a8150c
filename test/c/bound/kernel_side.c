// The k-driver of the bound-function test (test/c/bound.test.ts): the generated kernel stubs of
// bound.mdl (kernel flavour, built against test/c/shim) serving the u-driver (user_side.c) over a
// SOCK_SEQPACKET socketpair. k_intr and k_poll are its "kernel-side driver functions": bound under
// their names, they must arrive here as themselves and run here, never as an upcall. Once the
// u-driver is gone, the recorded request_irq call is replayed with its bound id forged.
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "peer.h"
#include "bound.h"
#include "mdidl_fd.h"

#define NIRQ 4

static irq_fn handlers[NIRQ];
static u32 cookies[NIRQ];
static poll_fn napi_poll;
static int intr_calls, poll_calls, requests;
static u8 *recorded;
static size_t recorded_len;

static s32 k_intr(s32 irq, u32 cookie)
{
	intr_calls++;
	return 1000 + irq + (s32)cookie;
}

static s32 k_poll(s32 budget)
{
	poll_calls++;
	return budget / 2;
}

static s32 k_request_irq(s32 irq, irq_fn handler, u32 cookie)
{
	if (irq < 0 || irq >= NIRQ)
		return -EINVAL;
	requests++;
	handlers[irq] = handler;
	cookies[irq] = cookie;
	return 0;
}

static s32 k_napi_add(struct napi *n)
{
	napi_poll = n->poll;
	return (s32)n->weight;
}

static s32 k_fire(s32 irq)
{
	if (irq < 0 || irq >= NIRQ || !handlers[irq])
		return -ENOENT;
	return handlers[irq](irq, cookies[irq]);
}

static s32 k_poll_now(s32 budget)
{
	return napi_poll ? napi_poll(budget) : -ENOENT;
}

static s32 k_get_handler(s32 irq, irq_fn *fn)
{
	if (irq < 0 || irq >= NIRQ)
		return -EINVAL;
	*fn = handlers[irq];
	return 0;
}

/* The kernel's "mapping" of the device's registers, bound as the handle "bar0". */
static u32 k_bar[4];

static s32 k_poke(void *bar, u32 value)
{
	if (bar != k_bar)
		return -EINVAL;
	k_bar[1] = value;
	return 0;
}

static const struct irq_ops k_ops = {
	.request_irq = k_request_irq,
	.napi_add = k_napi_add,
	.fire = k_fire,
	.poll = k_poll_now,
	.get_handler = k_get_handler,
	.poke = k_poke,
};

static const struct bound_impls k_impls = { .irq_ops = &k_ops };

/* What a generated <module>_bound.h holds: the names, and the ids both sides compute from them. */
static const struct mdl_bound_name k_bound_names[] = {
	{ "k_intr", 0 },
	{ "k_poll", 0 },
};

/* The first request_irq call, to replay once the u-driver is gone. */
static long rec_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	long n = mdl_fd_recv(t, buf, cap);

	if (n > 32 && !recorded && ((const u8 *)buf)[8] == MDL_KIND_CALL &&
	    mdl_load_le32((const u8 *)buf + 16) == BOUND_FN_IRQ_OPS_REQUEST_IRQ) {
		recorded = malloc((size_t)n);
		if (recorded) {
			memcpy(recorded, buf, (size_t)n);
			recorded_len = (size_t)n;
		}
	}
	return n;
}

static int null_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	(void)msg;
	(void)len;
	return 0;
}

/* The recorded call with the u32 `from` at its payload replaced by `to`, served; its result. */
static int replay_with(struct mdl_chan *c, u32 from, u32 to)
{
	u8 *msg = malloc(recorded_len);
	size_t i, hits = 0;
	int err;

	if (!msg)
		return -ENOMEM;
	memcpy(msg, recorded, recorded_len);
	for (i = 32; i + 4 <= recorded_len; i += 4) {
		if (mdl_load_le32(msg + i) == from) {
			mdl_store_le32(msg + i, to);
			hits++;
		}
	}
	CHECK(hits == 1, "the recorded call carries the bound id once");
	err = mdl_chan_serve(c, msg, recorded_len);
	free(msg);
	return err;
}

static void replay(struct mdl_chan *c)
{
	struct mdl_transport quiet = { .send = null_send, .recv = NULL };
	u32 intr_id = mdl_bound_id("k_intr");
	int before;

	CHECK(recorded_len > 0, "request_irq was recorded");
	if (!recorded_len)
		return;
	c->tr = &quiet;
	/* Bindings are static: a new u-driver names them as the old one did. */
	mdl_chan_peer_gone(c);
	handlers[0] = NULL;
	before = requests;
	CHECK(replay_with(c, intr_id, intr_id) == 0, "after peer-gone the bound id still resolves");
	CHECK(handlers[0] == k_intr, "to the real function");
	handlers[0] = NULL;
	CHECK(replay_with(c, intr_id, intr_id ^ 1) == -EPROTO, "a bound id nobody bound is refused");
	CHECK(replay_with(c, intr_id, mdl_bound_id("k_poll")) == 0 && (void (*)(void))handlers[0] == (void (*)(void))k_poll,
	      "an untyped binding (type 0) is accepted as any callback type");
	handlers[0] = NULL;
	CHECK(replay_with(c, intr_id, intr_id & ~MDL_BOUND) == -EPROTO,
	      "the same bits without the bound flag are an id the kernel never issued");
	CHECK(replay_with(c, intr_id, intr_id | MDL_HOME_USER) == -EPROTO,
	      "a bound id with the user's home bit is bound by nobody");
	CHECK(handlers[0] == NULL && requests == before + 2, "no refused call reached the driver");
}

static const char *const id_names[] = { "k_intr", "k_poll", "e1000_intr", "", "a", "e1000_clean_rx_irq" };

int main(int argc, char **argv)
{
	void (*fns[2])(void) = { (void (*)(void))k_intr, (void (*)(void))k_poll };
	struct mdl_bound_name names[2];
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	u8 *buf;
	size_t cap = (1u << 16) + 32;
	int fd, err;
	size_t i;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	buf = malloc(cap);
	mdl_fd_transport_init(&ft, fd, 20000);
	ft.t.recv = rec_recv;
	CHECK(buf && bound_kernel_open(&chan, &ft.t, 1u << 16, &k_impls) == 0, "open");

	memcpy(names, k_bound_names, sizeof(names));
	names[0].id = mdl_bound_id(names[0].name);
	names[1].id = mdl_bound_id(names[1].name) ^ 1;
	CHECK(mdl_chan_bind_functions(&chan, names, fns, 2) == -EINVAL && chan.nbound == 0,
	      "a table with a wrong id binds nothing");
	names[1].id = mdl_bound_id(names[1].name);
	CHECK(mdl_chan_bind_functions(&chan, names, fns, 2) == 0 && chan.nbound == 2, "bind the table");
	CHECK(mdl_chan_bind_function(&chan, 0, names[0].id, fns[1], "k_intr") == -EEXIST,
	      "a name is bound once");
	CHECK(mdl_chan_bind_function(&chan, 0, mdl_bound_id("other"), fns[0], "other") == -EEXIST,
	      "a function is bound once");
	CHECK((names[0].id & MDL_BOUND) && !(names[0].id & MDL_HOME_USER) &&
	      names[0].id != names[1].id, "bound ids carry the bound flag and the kernel's home");
	CHECK(mdl_chan_bind_handle(&chan, mdl_bound_id("bar0"), k_bar, "bar0") == 0, "bind the kernel's bar0");
	CHECK(mdl_chan_bind_handle(&chan, mdl_bound_id("bar0"), &k_bar[2], "bar0") == -EEXIST,
	      "a handle's name is bound once");
	CHECK(mdl_chan_bind_handle(&chan, mdl_bound_id("bar1"), k_bar, "bar1") == -EEXIST,
	      "a pointer is bound once");
	CHECK(mdl_chan_bind_handle(&chan, mdl_bound_id("bar1") ^ 1, &k_bar[2], "bar1") == -EINVAL,
	      "a handle's id is its name's");

	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the kernel side serves until the u-driver goes away");
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");

	CHECK(intr_calls == 1, "the bound handler ran in the kernel, once");
	CHECK(poll_calls == 1, "the bound poll function ran in the kernel, once");
	CHECK(requests == 2, "the forged request_irq never reached the driver");
	CHECK(handlers[2] == NULL, "no handler was installed for the forged id");
	CHECK(k_bar[1] == 0x5a5a, "the u-driver's bar0 reached the kernel as the kernel's own");
	CHECK(mdl_chan_unbind_handle(&chan, mdl_bound_id("bar0")) == 0 &&
	      mdl_chan_unbind_handle(&chan, mdl_bound_id("bar0")) == -ENOENT, "unbind a handle once");
	replay(&chan);
	bound_kernel_close(&chan);
	free(recorded);
	free(buf);
	/* For the test to compare with the generator's ids (runtime/ts boundId). */
	for (i = 0; i < sizeof(id_names) / sizeof(id_names[0]); i++)
		printf("bound-id %s 0x%08x\n", id_names[i], mdl_bound_id(id_names[i]));
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
