// The kernel side of the shared message vectors (test/vectors/messages/graph.json): encodes the
// kernel's calls from fresh tables with the generated kernel stubs (kernel flavour, user-space shim)
// and accepts the u-driver's messages. Prints `sent NAME HEX` and `accept NAME ok|FAIL why`.
#include <stdlib.h>
#include "graph.h"
#include "capture.h"

static struct node A, B, C;
static s32 items_a[3] = { 1, 2, 3 }, items_b[1] = { -7 };
static char label_a[] = "ay", label_b[] = "bee", label_c[] = "see";
static struct node *seen_n;
static s64 seen_sum;
static u8 seen_kind;
static u32 seen_radius;

static void build(void)
{
	A = (struct node){ .value = 1, .label = label_a, .next = &B, .peer = &C, .nitems = 3,
			   .items = items_a, .kind = CIRCLE, .pos = { 10, 20 }, .kernel_only = 0xdead,
			   .flags = 5, .mode = 17 };
	A.shape.radius = 5;
	B = (struct node){ .value = 2, .label = label_b, .next = &C, .peer = &B, .nitems = 1,
			   .items = items_b, .kind = RECT, .cursor = &B.ring[8] };
	B.shape.r.w = 3;
	B.shape.r.h = 4;
	B.ring[7] = 77;
	C = (struct node){ .value = 3, .label = label_c, .next = &A, .kind = LABEL, .cursor = &B.ring[2] };
	strcpy(C.shape.text, "hello");
}

static s32 visit(u32 v)
{
	return (s32)v;
}

static s64 k_sum(u32 n, const s32 *vals, s64 *total)
{
	s64 t = 0;

	for (u32 i = 0; i < n; i++)
		t += vals[i];
	seen_sum = t;
	if (total)
		*total = t;
	return t;
}

static void k_set_shape(struct node *n, u8 kind, union shape_u shape)
{
	seen_n = n;
	seen_kind = kind;
	seen_radius = shape.radius;
	/* The reply writes these back (writes(n.kind, n.shape)): the arm must be one the kind selects. */
	n->kind = kind;
	n->shape = shape;
}

static const struct kernel_ops kops = { .sum = k_sum, .set_shape = k_set_shape };
static const struct graph_impls impls = { .kernel_ops = &kops };

static void accept(const char *name, bool ok, const char *why)
{
	printf("accept %s %s%s\n", name, ok ? "ok" : "FAIL ", ok ? "" : why);
}

int main(int argc, char **argv)
{
	static unsigned char msg[1 << 16];
	struct mdl_chan chan;
	char buf[33];
	size_t n;
	s32 r;

	graph_kernel_open(&chan, &capture, 1u << 16, &impls);
	build();
	graph_user_ops_take(&A);
	print_hex("sent", "take-deep-graph", sent, sent_len);
	graph_kernel_close(&chan);

	graph_kernel_open(&chan, &capture, 1u << 16, &impls);
	build();
	graph_user_ops_walk(&A, visit);
	print_hex("sent", "walk-named-selection-callback", sent, sent_len);
	graph_kernel_close(&chan);

	graph_kernel_open(&chan, &capture, 1u << 16, &impls);
	build();
	graph_user_ops_name_of(&C, buf);
	print_hex("sent", "name-of-out-string", sent, sent_len);
	graph_kernel_close(&chan);

	/* The u-driver's reply to take-deep-graph, to a fresh channel whose first call is that take. */
	if (arg_of(argc, argv, "take-reply-writes-back", msg, &n)) {
		graph_kernel_open(&chan, &capture, 1u << 16, &impls);
		build();
		reply = msg;
		reply_len = n;
		r = graph_user_ops_take(&A);
		accept("take-reply-writes-back",
		       r == 3 && A.value == 101 && B.label && !strcmp(B.label, "bee-changed") &&
			       B.nitems == 2 && B.items[0] == 41 && B.items[1] == 42 && C.kind == CIRCLE &&
			       C.shape.radius == 9 && C.mode == 31 && A.next == &B && A.kernel_only == 0xdead,
		       "written fields did not arrive");
		graph_kernel_close(&chan);
	}
	/* A reply writing fields its function's writes() does not name: refused, nothing applied. */
	if (arg_of(argc, argv, "walk-reply-outside-writes", msg, &n)) {
		graph_kernel_open(&chan, &capture, 1u << 16, &impls);
		build();
		reply = msg;
		reply_len = n;
		r = graph_user_ops_walk(&A, visit);
		printf("refuse walk-reply-outside-writes %s\n",
		       r == -EPROTO && A.value == 1 && A.next == &B ? "ok" : "FAIL accepted");
		graph_kernel_close(&chan);
	}
	if (arg_of(argc, argv, "sum-counted-and-out-box", msg, &n)) {
		graph_kernel_open(&chan, &capture, 1u << 16, &impls);
		accept("sum-counted-and-out-box", mdl_chan_serve(&chan, msg, n) == 0 && seen_sum == 10,
		       "not served");
		graph_kernel_close(&chan);
	}
	if (arg_of(argc, argv, "set-shape-union-param", msg, &n)) {
		graph_kernel_open(&chan, &capture, 1u << 16, &impls);
		accept("set-shape-union-param",
		       mdl_chan_serve(&chan, msg, n) == 0 && seen_n && seen_kind == CIRCLE && seen_radius == 77,
		       "not served");
		graph_kernel_close(&chan);
		/* The same call when the peer may have no more objects here: refused, nothing added. */
		graph_kernel_open(&chan, &capture, 1u << 16, &impls);
		chan.max_peer_entries = 0;
		printf("refuse set-shape-over-peer-cap %s\n",
		       mdl_chan_serve(&chan, msg, n) == -EPROTO && mdl_chan_entries(&chan) == 0 ? "ok" : "FAIL accepted");
		graph_kernel_close(&chan);
	}
	return 0;
}
