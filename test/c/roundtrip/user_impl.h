/*
 * The u-driver's side of the round trip: implementations of the upcalls of
 * test/c/corpus/graph.mdl that check every graph they receive and make nested downcalls back.
 * Shared by user_side.c (socketpair) and test/qemu/fixtures/graph_udrv.c (the misc device).
 * Include after graph.h and check.h; the includer opens `chan` with `rt_user_impls`.
 */
#ifndef RT_USER_IMPL_H
#define RT_USER_IMPL_H
#include <string.h>

static struct mdl_chan chan;
static struct node *first_head;
static int takes, walks, pokes, names;

static s32 u_ping(struct node *n)
{
	return (s32)n->value + 1000;
}

static const struct node_ops my_node_ops = { .ping = u_ping };

static s32 u_take(struct node *head)
{
	static s32 more_items[2] = { 41, 42 };
	static char new_label[] = "bee-changed";
	struct node *a = head, *b, *c;
	union shape_u s;
	visit_fn f = NULL;
	s32 vals[4] = { 1, 2, 3, 4 };
	s64 total = 0;

	takes++;
	if (takes == 1)
		first_head = head;
	else
		CHECK(head == first_head, "the same object arrives as the same shadow on every call");
	b = a->next;
	c = b->next;
	CHECK(c->next == a, "a cycle arrives as a cycle");
	/* The third take also carries E, which the kernel hung on C.peer to test frees. */
	CHECK(a->peer == c && b->peer == b && (takes < 3 ? !c->peer : c->peer && c->peer->value == 5),
	      "aliases arrive as aliases");
	CHECK(strcmp(a->label, "ay") == 0 && strcmp(c->label, "see") == 0, "strings");
	CHECK(a->nitems == 3 && a->items[0] == 1 && a->items[2] == 3, "counted array");
	CHECK(c->nitems == 0 && c->items == NULL, "NULL counted array");
	CHECK(b->kind == RECT && b->shape.r.w == 3 && b->shape.r.h == 4, "union arm with a struct");
	if (takes == 1) {
		CHECK(c->kind == LABEL && strcmp(c->shape.text, "hello") == 0, "union arm with a string");
		CHECK(a->cursor == &b->ring[3] && b->cursor == &b->ring[8] && c->cursor == NULL,
		      "interior pointers land in the shadow's array (one past the end included)");
	} else {
		/* What this side wrote last time is what the kernel sends now. */
		CHECK(c->kind == CIRCLE && c->shape.radius == 9, "the union as written back");
		CHECK(a->cursor == &b->ring[4], "the interior pointer as written back");
		CHECK(b->nitems == 2 && b->items[1] == 42 && strcmp(b->label, "bee-changed") == 0,
		      "the array and string as written back");
	}
	CHECK(a->pos.x == 10 && a->pos.y == 20, "embedded struct");
	CHECK(a->flags == 5 && a->mode == 17, "bitfields");
	CHECK(a->kernel_only == 0, "a [skip] field never crosses");
	CHECK(b->ring[7] == 77, "fixed array");
	if (takes == 1) {
		CHECK(a->value == 1 && b->value == 2 && c->value == 3, "values");
		CHECK(a->kind == CIRCLE && a->shape.radius == 5, "union arm with a scalar");
		/* Nested in this upcall: downcalls that go back to the kernel while it waits. */
		CHECK(graph_kernel_ops_check(head) == 7, "nested downcall: the kernel sees its own objects");
		CHECK(graph_kernel_ops_sum(4, vals, &total) == 10 && total == 10, "counted input, [out] result");
		s.radius = 77;
		graph_kernel_ops_set_shape(a, CIRCLE, s);
		CHECK(a->kind == CIRCLE && a->shape.radius == 77, "written fields come back into the shadow");
		CHECK(graph_kernel_ops_get_visit(&f) == 0 && f != NULL, "a kernel function pointer arrives");
		if (f)
			CHECK(f(1000) == 0, "calling it crosses to the kernel");
		a->value += 100;
		b->value += 100;
		c->value += 100;
		b->label = new_label;
		b->nitems = 2;
		b->items = more_items;
		a->cursor = &b->ring[4];
		c->kind = CIRCLE;
		c->shape.radius = 9;
		c->mode = 31;
		a->ops = &my_node_ops;
	}
	return 3;
}

static s32 u_walk(struct node *head, visit_fn fn)
{
	walks++;
	fn(head->value);
	fn(head->next->value);
	fn(head->next->next->value);
	return 0;
}

static s32 u_poke(struct inner *pos, u32 delta)
{
	struct node *n = (struct node *)((char *)pos - offsetof(struct node, pos));

	pokes++;
	CHECK(first_head && n == first_head->next, "a container pointer lands in the shadow of its container");
	return (s32)(n->value + delta);
}

/* Counts the table's entries on each call, to see a free from the kernel arrive. */
static s32 u_name_of(struct node *n, char *buf)
{
	static u32 entries_with_d;

	names++;
	if (!strcmp(n->label, "dee"))
		entries_with_d = mdl_chan_entries(&chan);
	if (names == 3)
		CHECK(entries_with_d && mdl_chan_entries(&chan) == entries_with_d - 1,
		      "a free from the kernel drops the shadow from the user side's table");
	snprintf(buf, 33, "name:%s", n->label);
	return 0;
}

static s32 u_bump(struct holder *h)
{
	CHECK(h->st.rx == 5 && h->st.tx == 0, "only the embedded field named arrives");
	CHECK(h->st.lk && h->st.lk->x == 10, "a path through an embedded struct follows its pointer");
	h->st.rx = 6;
	h->st.tx = 99; /* not in writes: must not reach the kernel */
	if (h->st.lk)
		h->st.lk->y = 21;
	return 0;
}

static s32 u_run(struct holder *h)
{
	/* writes(h.cur.x) reads the pointer h.cur too: it arrives, none of its fields do. */
	CHECK(h->flags == 1 && h->cur && h->cur->x == 0, "a pointer a writes path passes through arrives alone");
	if (h->cur)
		h->cur->x = 31;
	return 0;
}

static const struct user_ops rt_user_ops = {
	.take = u_take, .walk = u_walk, .poke = u_poke, .name_of = u_name_of, .bump = u_bump, .run = u_run,
};
static const struct graph_impls rt_user_impls = { .user_ops = &rt_user_ops, .node_ops = &my_node_ops };
#endif
