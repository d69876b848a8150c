// The u-driver of the bound-function test (test/c/bound.test.ts): the generated user stubs of
// bound.mdl over the socketpair fd it is given. k_intr and k_poll are placeholders of the
// k-driver's functions, bound under the same names as the kernel side's real ones; u_intr is its
// own function. With --call-placeholder it calls a placeholder, which must abort naming it.
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "bound.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static int u_intr_calls;

static s32 u_intr(s32 irq, u32 cookie)
{
	u_intr_calls++;
	return 2000 + irq + (s32)cookie;
}

static s32 k_intr(s32 irq, u32 cookie)
{
	(void)irq;
	(void)cookie;
	mdl_bound_called("k_intr");
}

static s32 k_poll(s32 budget)
{
	(void)budget;
	mdl_bound_called("k_poll");
}

/* Bound here only: the kernel never bound this name. */
static s32 k_forged(s32 irq, u32 cookie)
{
	(void)irq;
	(void)cookie;
	mdl_bound_called("k_forged");
}

static const struct bound_impls u_impls;

static int call_through(u32 fn_id)
{
	struct mdl_out out;
	struct mdl_in in;
	int rc;

	rc = mdl_call_begin_fn(&chan, &out, &in, BOUND_ID_POLL_FN, fn_id);
	if (!rc)
		rc = mdl_out_objects(&out);
	if (!rc)
		rc = mdl_put_s32(&out.w, 10);
	if (!rc)
		rc = mdl_call_send(&chan, &out, &in);
	mdl_call_end(&chan, &out, &in);
	return rc;
}

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct napi n = { .weight = 64, .poll = k_poll };
	irq_fn fn = NULL;
	s32 r;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "--call-placeholder"))
		return k_intr(0, 0);
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	CHECK(bound_user_open(&chan, &ft.t, 1u << 16, &u_impls) == 0, "open");
	CHECK(mdl_chan_bind_function(&chan, 0, mdl_bound_id("k_intr"), (void (*)(void))k_intr,
				     "k_intr") == 0, "bind k_intr's placeholder");
	CHECK(mdl_chan_bind_function(&chan, BOUND_ID_POLL_FN, mdl_bound_id("k_poll"),
				     (void (*)(void))k_poll, "k_poll") == 0, "bind k_poll's placeholder, typed");
	CHECK(mdl_chan_bind_function(&chan, 0, mdl_bound_id("k_forged"), (void (*)(void))k_forged,
				     "k_forged") == 0, "bind a name the kernel does not know");

	r = bound_irq_ops_request_irq(0, k_intr, 5);
	CHECK(r == 0, "request_irq with a bound function");
	r = bound_irq_ops_request_irq(1, u_intr, 7);
	CHECK(r == 0, "request_irq with a function of the u-driver");
	r = bound_irq_ops_fire(0);
	CHECK(r == 1005 && u_intr_calls == 0, "the kernel ran its own k_intr, with no upcall");
	r = bound_irq_ops_fire(1);
	CHECK(r == 2008 && u_intr_calls == 1, "a u-driver function the kernel holds is an upcall");

	r = bound_irq_ops_napi_add(&n);
	CHECK(r == 64, "napi_add with a bound function in a callback field");
	r = bound_irq_ops_poll(10);
	CHECK(r == 5, "the kernel ran its own k_poll");

	r = bound_irq_ops_get_handler(0, &fn);
	CHECK(r == 0 && fn == k_intr, "a bound function coming back is this side's placeholder");
	r = bound_irq_ops_get_handler(1, &fn);
	CHECK(r == 0 && fn == u_intr, "the u-driver's own function comes back as itself");

	/* Sent as the other callback type, a typed binding is refused before anything is sent. */
	r = bound_irq_ops_request_irq(3, (irq_fn)(void (*)(void))k_poll, 0);
	CHECK(r == -EINVAL, "a typed bound function is refused as another callback type");

	/*
	 * A call through a bound id, written as a trampoline writes one: the kernel serves calls
	 * through functions it issued, never through a bound one (the kernel checks k_poll ran once).
	 */
	r = call_through(mdl_bound_id("k_poll"));
	CHECK(r == -EPROTO, "a call through a bound id is refused");

	/* The u-driver's own "mapping": bound, it arrives as the kernel's; unbound, as a token. */
	static u32 u_bar[4];
	CHECK(mdl_chan_bind_handle(&chan, mdl_bound_id("bar0"), u_bar, "bar0") == 0, "bind the u-driver's bar0");
	r = bound_irq_ops_poke(u_bar, 0x5a5a);
	CHECK(r == 0, "a bound handle reaches the kernel as its own pointer");
	r = bound_irq_ops_poke(&u_bar[2], 1);
	CHECK(r == -EINVAL, "another pointer is a token there");
	CHECK(mdl_chan_unbind_handle(&chan, mdl_bound_id("bar0")) == 0, "unbind the u-driver's bar0");
	r = bound_irq_ops_poke(u_bar, 2);
	CHECK(r == -EINVAL, "unbound, the pointer is a token again");

	r = bound_irq_ops_request_irq(2, k_forged, 0);
	CHECK(r == -EPROTO, "the kernel refuses a bound id it never bound");
	r = bound_irq_ops_fire(2);
	CHECK(r == -ENOENT, "and installed nothing for it");

	bound_user_close(&chan);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
