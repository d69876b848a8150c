// The user side of the shared message vectors: encodes the u-driver's calls with the generated
// user stubs from fresh tables, and accepts the kernel's calls (the reply it sends to
// take-deep-graph is itself a vector). Prints `sent NAME HEX` and `accept NAME ok|FAIL why`.
#include <stdlib.h>
#include "graph.h"
#include "capture.h"

static bool graph_ok, walk_ok;

static s32 u_take(struct node *a)
{
	static s32 more[2] = { 41, 42 };
	static char label[] = "bee-changed";
	struct node *b = a->next, *c = b->next;

	graph_ok = c->next == a && a->peer == c && b->peer == b && !strcmp(a->label, "ay") &&
		   !strcmp(b->label, "bee") && !strcmp(c->label, "see") && a->nitems == 3 &&
		   a->items[2] == 3 && b->items[0] == -7 && !c->items && b->kind == RECT &&
		   b->shape.r.h == 4 && !strcmp(c->shape.text, "hello") && b->cursor == &b->ring[8] &&
		   c->cursor == &b->ring[2] && !a->cursor && a->flags == 5 && a->mode == 17 &&
		   b->ring[7] == 77 && a->pos.y == 20 && a->shape.radius == 5;
	a->value = 101;
	b->label = label;
	b->nitems = 2;
	b->items = more;
	c->kind = CIRCLE;
	c->shape.radius = 9;
	c->mode = 31;
	return 3;
}

static s32 u_walk(struct node *head, visit_fn fn)
{
	walk_ok = head->value == 1 && head->next->value == 2 && head->next->next->value == 3 && fn;
	return 0;
}

static s32 u_name_of(struct node *n, char *buf)
{
	snprintf(buf, 33, "%s", n->label);
	return 0;
}

static const struct user_ops uops = { .take = u_take, .walk = u_walk, .name_of = u_name_of };
static const struct graph_impls impls = { .user_ops = &uops };

int main(int argc, char **argv)
{
	static unsigned char msg[1 << 16];
	struct mdl_chan chan;
	struct node n;
	union shape_u s;
	s32 vals[4] = { 1, 2, 3, 4 };
	s64 total = 0;
	size_t len;
	int r;

	graph_user_open(&chan, &capture, 1u << 16, &impls);
	graph_kernel_ops_sum(4, vals, &total);
	print_hex("sent", "sum-counted-and-out-box", sent, sent_len);
	graph_user_close(&chan);

	graph_user_open(&chan, &capture, 1u << 16, &impls);
	memset(&n, 0, sizeof(n));
	s.radius = 77;
	graph_kernel_ops_set_shape(&n, CIRCLE, s);
	print_hex("sent", "set-shape-union-param", sent, sent_len);
	graph_user_close(&chan);

	if (arg_of(argc, argv, "take-deep-graph", msg, &len)) {
		graph_user_open(&chan, &capture, 1u << 16, &impls);
		r = mdl_chan_serve(&chan, msg, len);
		printf("accept take-deep-graph %s\n", r == 0 && graph_ok ? "ok" : "FAIL graph differs");
		print_hex("sent", "take-reply-writes-back", sent, sent_len);
		graph_user_close(&chan);
	}
	if (arg_of(argc, argv, "walk-named-selection-callback", msg, &len)) {
		graph_user_open(&chan, &capture, 1u << 16, &impls);
		r = mdl_chan_serve(&chan, msg, len);
		printf("accept walk-named-selection-callback %s\n", r == 0 && walk_ok ? "ok" : "FAIL");
		graph_user_close(&chan);
	}
	if (arg_of(argc, argv, "name-of-out-string", msg, &len)) {
		graph_user_open(&chan, &capture, 1u << 16, &impls);
		r = mdl_chan_serve(&chan, msg, len);
		printf("accept name-of-out-string %s\n", r == 0 ? "ok" : "FAIL");
		graph_user_close(&chan);
	}
	return 0;
}
