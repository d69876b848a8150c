/*
 * The k-driver's side of the round trip: the graph it sends, the downcalls it serves, the
 * sequence of upcalls with their checks, the replay of mutated copies of a recorded downcall,
 * and what happens when the u-driver goes away. Shared by kernel_side.c (user space, kernel
 * flavour on the shim) and test/qemu/fixtures/graph_kmod.c (a real module). Include after
 * graph.h and check.h; the includer records the biggest call it receives with rt_record().
 */
#ifndef RT_KERNEL_IMPL_H
#define RT_KERNEL_IMPL_H

static struct node A, B, C, D, E;
static s32 items_a[3] = { 1, 2, 3 };
static s32 items_b[1] = { -7 };
static char label_a[] = "ay", label_b[] = "bee", label_c[] = "see", label_d[] = "dee", label_e[] = "eee";
static u64 visit_sum;
static int visit_calls;
static bool replaying;
static u8 *recorded;
static size_t recorded_len;

static s32 visit(u32 value)
{
	visit_sum += value;
	visit_calls++;
	return 0;
}

static s32 k_check(struct node *head)
{
	/* Replayed (and mutated) copies of this call run it again: only the real one is checked. */
	if (replaying)
		return 7;
	CHECK(head == &A, "a shadow sent back arrives as the kernel's own object");
	CHECK(A.next == &B && B.next == &C && C.next == &A, "the kernel's graph is intact");
	return 7;
}

static s64 k_sum(u32 n, const s32 *vals, s64 *total)
{
	s64 t = 0;
	u32 i;

	/* What the channel must never hand over: n elements at NULL. Logged, not dereferenced. */
	if (n && !vals) {
		RT_FAIL("sum: %u elements at NULL\n", n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		t += vals[i];
	if (total)
		*total = t;
	return t;
}

static void k_set_shape(struct node *n, u8 kind, union shape_u shape)
{
	if (!replaying)
		CHECK(n == &A, "set_shape names A");
	n->kind = kind;
	n->shape = shape;
}

static s32 k_get_visit(visit_fn *fn)
{
	*fn = visit;
	return 0;
}

static const struct kernel_ops rt_kernel_ops = {
	.check = k_check, .sum = k_sum, .set_shape = k_set_shape, .get_visit = k_get_visit,
};
static const struct graph_impls rt_kernel_impls = { .kernel_ops = &rt_kernel_ops };

/* Keeps a copy of the biggest call received: the deep `check` downcall, replayed later. */
static void rt_record(const void *msg, long n)
{
	u8 *copy;

	if (n <= 32 || ((const u8 *)msg)[8] != MDL_KIND_CALL || (size_t)n <= recorded_len)
		return;
	copy = RT_ALLOC((size_t)n);
	if (!copy)
		return;
	memcpy(copy, msg, (size_t)n);
	RT_FREE(recorded);
	recorded = copy;
	recorded_len = (size_t)n;
}

static void rt_build_graph(void)
{
	A = (struct node){ .value = 1, .label = label_a, .next = &B, .peer = &C, .nitems = 3,
			   .items = items_a, .kind = CIRCLE, .pos = { 10, 20 }, .kernel_only = 0xdead,
			   .cursor = &B.ring[3], .flags = 5, .mode = 17 };
	A.shape.radius = 5;
	B = (struct node){ .value = 2, .label = label_b, .next = &C, .peer = &B, .nitems = 1,
			   .items = items_b, .kind = RECT, .cursor = &B.ring[8] };
	B.shape.r.w = 3;
	B.shape.r.h = 4;
	B.ring[7] = 77;
	C = (struct node){ .value = 3, .label = label_c, .next = &A, .kind = LABEL };
	memcpy(C.shape.text, "hello", sizeof("hello"));
}

/* What a rejected message must leave exactly as it was. */
struct rt_snapshot {
	struct node n[3];
	char labels[3][70];
	s32 items[3][8];
	u32 entries;
};

/* static: two of these on a kernel stack would come close to its frame-size warning */
static struct rt_snapshot snap_before, snap_after;

static void rt_snap(struct mdl_chan *c, struct rt_snapshot *s)
{
	const struct node *all[3] = { &A, &B, &C };
	u32 k;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 3; i++) {
		s->n[i] = *all[i];
		if (all[i]->label)
			snprintf(s->labels[i], sizeof(s->labels[i]), "%s", all[i]->label);
		for (k = 0; k < all[i]->nitems && k < 8 && all[i]->items; k++)
			s->items[i][k] = all[i]->items[k];
	}
	s->entries = mdl_chan_entries(c);
}

static int rt_null_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	(void)msg;
	(void)len;
	return 0;
}

/* The upcalls, each followed by what must have come back. */
/*
 * Paths into an embedded struct write back only what they name (the kernel counts a transmit
 * while the u-driver runs: the reply must not undo it), and follow its pointer; a pointer a
 * writes path passes through is read with it, so it is not written back as NULL.
 */
static void rt_access_edges(void)
{
	static struct inner link = { .x = 10, .y = 20 }, cursor = { .x = 30, .y = 40 };
	static struct holder h;
	s32 r;

	h = (struct holder){ .flags = 1, .st = { .rx = 5, .tx = 7, .lk = &link }, .cur = &cursor };
	r = graph_user_ops_bump(&h);
	CHECK(r == 0, "bump");
	CHECK(h.st.rx == 6 && h.st.tx == 7, "only the embedded field named comes back");
	CHECK(h.st.lk == &link && link.x == 10 && link.y == 21, "a path through an embedded struct follows its pointer");
	r = graph_user_ops_run(&h);
	CHECK(r == 0, "run");
	CHECK(h.cur == &cursor && cursor.x == 31 && cursor.y == 40, "a pointer a writes path passes through comes back as it was");
}

static void rt_upcalls(struct mdl_chan *c)
{
	char name[33];
	s32 r;

	rt_build_graph();
	r = graph_user_ops_take(&A);
	CHECK(r == 3, "take returns what the u-driver returned");
	CHECK(A.value == 101 && B.value == 102 && C.value == 103, "written fields come back");
	CHECK(A.next == &B && B.next == &C && C.next == &A && A.peer == &C && B.peer == &B,
	      "pointers written back are the kernel's own objects");
	CHECK(B.label && strcmp(B.label, "bee-changed") == 0, "a changed string comes back");
	CHECK(B.nitems == 2 && B.items && B.items[0] == 41 && B.items[1] == 42, "a grown array comes back");
	CHECK(A.cursor == &B.ring[4], "a moved interior pointer comes back into the kernel's array");
	CHECK(A.kind == CIRCLE && A.shape.radius == 77, "the nested downcall's write survived");
	CHECK(C.kind == CIRCLE && C.shape.radius == 9 && C.mode == 31, "union arm and bitfield changed");
	CHECK(A.kernel_only == 0xdead, "a [skip] field is never written");
	CHECK(visit_calls == 1 && visit_sum == 1000, "the u-driver called a kernel function pointer");
	CHECK(A.ops == &graph_kernel_node_ops_stubs, "an ops table filled in by the u-driver arrives as the stubs");
	if (A.ops && A.ops->ping)
		CHECK(A.ops->ping(&A) == 1101, "calling through it goes up to the u-driver's function");

	r = graph_user_ops_take(&A);
	CHECK(r == 3, "a second take");
	CHECK(mdl_chan_id_of(c, &A, GRAPH_ID_NODE) != 0, "A has an id");

	r = graph_user_ops_walk(&A, visit);
	CHECK(r == 0 && visit_calls == 4 && visit_sum == 1000 + 101 + 102 + 103,
	      "a callback passed up is called back three times, nested");
	r = graph_user_ops_poke(&B.pos, 5);
	CHECK(r == 107, "a container pointer crosses as its container");
	memset(name, 'x', sizeof(name));
	r = graph_user_ops_name_of(&C, name);
	CHECK(r == 0 && strcmp(name, "name:see") == 0, "an [out] string");

	/* Freeing: the kernel forgets D, and the next message tells the user side to drop its shadow. */
	D = (struct node){ .value = 4, .label = label_d };
	r = graph_user_ops_name_of(&D, name);
	CHECK(r == 0 && strcmp(name, "name:dee") == 0, "D crosses");
	CHECK(mdl_chan_id_of(c, &D, GRAPH_ID_NODE) != 0, "D has an id");
	CHECK(mdl_chan_forget(c, &D, GRAPH_ID_NODE) == 0, "forget D");
	CHECK(mdl_chan_id_of(c, &D, GRAPH_ID_NODE) == 0, "D is out of the kernel's table");
	CHECK(mdl_chan_forget(c, &D, GRAPH_ID_NODE) == -ENOENT, "forgetting twice is an error");
	r = graph_user_ops_name_of(&C, name);
	CHECK(r == 0 && strcmp(name, "name:see") == 0, "the message carrying the free is served");

	/*
	 * A free of an object the other side's objects still point at is refused with the message
	 * that carries it: the user side would be left pointing at freed memory. E reaches the user
	 * side as C.peer with a third take; then the kernel forgets E (and, as the contract of
	 * mdl_chan_forget says, touches it no more).
	 */
	E = (struct node){ .value = 5, .label = label_e, .kind = CIRCLE };
	C.peer = &E;
	r = graph_user_ops_take(&A);
	CHECK(r == 3 && C.peer == &E, "a third take sends E as C.peer");
	CHECK(mdl_chan_forget(c, &E, GRAPH_ID_NODE) == 0, "forget E");
	r = graph_user_ops_name_of(&B, name);
	CHECK(r == -EPROTO, "the user side refuses to free an object its objects point at");
	C.peer = NULL;
	rt_access_edges();
}

/*
 * Mutated copies of the recorded downcall, served with replies going nowhere (the u-driver is
 * idle meanwhile: it only answers the kernel's calls). Every rejected one must change nothing.
 */
static void rt_replay(struct mdl_chan *c)
{
	struct mdl_transport quiet = { .send = rt_null_send, .recv = NULL };
	struct mdl_transport *saved = c->tr;
	u8 *msg = RT_ALLOC(recorded_len);
	int rejected = 0, changed = 0;
	u32 seed = 12345;
	size_t i;

	CHECK(recorded_len > 0 && msg, "a downcall was recorded");
	if (!recorded_len || !msg) {
		RT_FREE(msg);
		return;
	}
	c->tr = &quiet;
	replaying = true;
	for (i = 0; i < recorded_len * 6; i++) {
		size_t at = i % recorded_len, len = recorded_len;

		memcpy(msg, recorded, recorded_len);
		seed = seed * 1103515245u + 12345u;
		switch (i / recorded_len) {
		case 0: msg[at] ^= 0xff; break;
		case 1: msg[at] ^= (u8)(1u << (seed >> 16) % 8); break;
		case 2: msg[at] = 0; break;
		case 3: msg[at] = 0xff; break;
		case 4: len = at; break;
		default: msg[at] = (u8)(seed >> 16); break;
		}
		rt_snap(c, &snap_before);
		if (mdl_chan_serve(c, msg, len) != 0) {
			rejected++;
			rt_snap(c, &snap_after);
			if (memcmp(&snap_before, &snap_after, sizeof(snap_before)) != 0)
				changed++;
		}
		RT_YIELD();
	}
	RT_FREE(msg);
	RT_LOG("hostile: %zu mutations of a %zu-byte downcall, %d rejected\n", recorded_len * 6,
	       recorded_len, rejected);
	CHECK(rejected > 0, "mutated messages are rejected");
	CHECK(changed == 0, "a rejected message changes nothing in the kernel's objects or tables");

	/* The u-driver goes away: its ids and the kernel's ids it was given mean nothing any more. */
	mdl_chan_peer_gone(c);
	rt_snap(c, &snap_before);
	CHECK(snap_before.entries == 0 && mdl_chan_id_of(c, &A, GRAPH_ID_NODE) == 0,
	      "after the peer is gone the table is empty");
	CHECK(mdl_chan_serve(c, recorded, recorded_len) == -EPROTO,
	      "a message naming ids the old peer was given is refused");
	rt_snap(c, &snap_after);
	CHECK(memcmp(&snap_before, &snap_after, sizeof(snap_before)) == 0, "and the kernel's objects are untouched");
	c->tr = saved;
	replaying = false;
	RT_FREE(recorded);
	recorded = NULL;
	recorded_len = 0;
}
#endif
