// SPDX-License-Identifier: MIT
/*
 * mdidl_rpc.c - object tables, message building and staged decoding, calls and dispatch.
 *
 * The kernel side runs this against a hostile peer: every id, count and length that arrives is
 * checked against what this side issued or the bytes received, allocations are bounded by the
 * message size, and decoding only fills staging (new shadows are pending, field values go into
 * zeroed copies, frees are flagged) until the whole message has validated. mdl_in_end() is the
 * one place that touches live objects.
 */
#define MDIDL_RPC_IMPL
#include "mdidl_rpc.h"

#define MDL_SEEN 0x1u		/* an object entry of this id was in the message */
#define MDL_DYING 0x2u		/* freed by the message */
/*
 * Named by a value earlier in the message (a field or an argument): a later free of the same id
 * is refused, since the value would point to what the free releases (found by test/c/fuzz).
 */
#define MDL_NAMED 0x4u

/* A buffer decoding allocated: owned by the message, then maybe by one field of one object. */
struct mdl_alloc {
	struct mdl_alloc *next;
	struct mdl_entry *owner;
	u32 field;
	bool held;		/* mdl_in_adopt: the object, or a buffer it holds, points at it */
	size_t size;
	u64 data[];
};

/* What a peer's opaque handle becomes here: a unique pointer that means nothing. */
struct mdl_token {
	u32 id;
	u32 type;
};

/* ---- hashing ------------------------------------------------------------------------------- */

static inline u32 mdl_hash64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (u32)x;
}

static inline u32 mdl_ptr_hash(u8 kind, const void *p, u32 type)
{
	return mdl_hash64((u64)(uintptr_t)p ^ ((u64)type << 3) ^ kind);
}

static inline const void *mdl_entry_key(const struct mdl_entry *e)
{
	return e->kind == MDL_FUNCTION ? (const void *)(uintptr_t)e->fn : e->ptr;
}

/* ---- object tables ------------------------------------------------------------------------- */

static int mdl_tab_grow(struct mdl_objtab *t)
{
	u32 n = t->nbuckets ? t->nbuckets * 2 : 64, i, h;
	struct mdl_entry **by_id, **by_ptr, *e, *next;

	by_id = mdl_zalloc(sizeof(*by_id) * n);
	by_ptr = mdl_zalloc(sizeof(*by_ptr) * n);
	if (!by_id || !by_ptr) {
		mdl_free(by_id);
		mdl_free(by_ptr);
		return -ENOMEM;
	}
	for (i = 0; i < t->nbuckets; i++) {
		for (e = t->by_id[i]; e; e = next) {
			next = e->id_next;
			h = mdl_hash64(e->id) & (n - 1);
			e->id_next = by_id[h];
			by_id[h] = e;
		}
		for (e = t->by_ptr[i]; e; e = next) {
			next = e->ptr_next;
			h = mdl_ptr_hash(e->kind, mdl_entry_key(e), e->type) & (n - 1);
			e->ptr_next = by_ptr[h];
			by_ptr[h] = e;
		}
	}
	mdl_free(t->by_id);
	mdl_free(t->by_ptr);
	t->by_id = by_id;
	t->by_ptr = by_ptr;
	t->nbuckets = n;
	return 0;
}

static int mdl_tab_insert(struct mdl_objtab *t, struct mdl_entry *e)
{
	u32 h;
	int err;

	if (t->count >= t->nbuckets) {
		err = mdl_tab_grow(t);
		if (err)
			return err;
	}
	h = mdl_hash64(e->id) & (t->nbuckets - 1);
	e->id_next = t->by_id[h];
	t->by_id[h] = e;
	h = mdl_ptr_hash(e->kind, mdl_entry_key(e), e->type) & (t->nbuckets - 1);
	e->ptr_next = t->by_ptr[h];
	t->by_ptr[h] = e;
	t->count++;
	return 0;
}

static struct mdl_entry *mdl_tab_by_id(const struct mdl_objtab *t, u32 id)
{
	struct mdl_entry *e;

	if (!t->nbuckets)
		return NULL;
	for (e = t->by_id[mdl_hash64(id) & (t->nbuckets - 1)]; e; e = e->id_next)
		if (e->id == id)
			return e;
	return NULL;
}

static struct mdl_entry *mdl_tab_by_ptr(const struct mdl_objtab *t, u8 kind, const void *p,
					u32 type)
{
	struct mdl_entry *e;

	if (!t->nbuckets)
		return NULL;
	for (e = t->by_ptr[mdl_ptr_hash(kind, p, type) & (t->nbuckets - 1)]; e; e = e->ptr_next)
		if (e->kind == kind && e->type == type && mdl_entry_key(e) == p)
			return e;
	return NULL;
}

static void mdl_tab_unlink(struct mdl_objtab *t, struct mdl_entry *e)
{
	struct mdl_entry **pp;

	for (pp = &t->by_id[mdl_hash64(e->id) & (t->nbuckets - 1)]; *pp; pp = &(*pp)->id_next) {
		if (*pp == e) {
			*pp = e->id_next;
			break;
		}
	}
	for (pp = &t->by_ptr[mdl_ptr_hash(e->kind, mdl_entry_key(e), e->type) & (t->nbuckets - 1)];
	     *pp; pp = &(*pp)->ptr_next) {
		if (*pp == e) {
			*pp = e->ptr_next;
			break;
		}
	}
	t->count--;
}

/*
 * An array of n elements with room for one more: arr itself when it has room, else a copy twice
 * as big (`first` elements to begin with) and arr freed; NULL when out of memory, arr untouched.
 */
static void *mdl_grow(void *arr, u32 *cap, u32 n, size_t elem, u32 first)
{
	u32 want;
	void *grown;

	if (n < *cap)
		return arr;
	want = *cap ? *cap * 2 : first;
	grown = mdl_zalloc(elem * want);
	if (!grown)
		return NULL;
	if (n)
		memcpy(grown, arr, elem * n);
	mdl_free(arr);
	*cap = want;
	return grown;
}

/* ---- the range table ------------------------------------------------------------------- */

static void mdl_ranges_drop(struct mdl_chan *c, struct mdl_entry *e)
{
	u32 i, k = 0;

	if (!e->nranges)
		return;
	for (i = 0; i < c->nranges; i++)
		if (c->ranges[i].e != e)
			c->ranges[k++] = c->ranges[i];
	c->nranges = k;
	e->nranges = 0;
}

/* The first range that starts after p. */
static u32 mdl_ranges_upper(const struct mdl_chan *c, uintptr_t p)
{
	u32 lo = 0, hi = c->nranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->ranges[mid].start <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Records where an object's arrays are now; a failed allocation only costs a slower lookup. */
static void mdl_ranges_note(struct mdl_chan *c, struct mdl_entry *e)
{
	struct mdl_span spans[16];
	struct mdl_range *r;
	u32 n, i, at;

	if (!e->desc || !e->desc->spans || e->desc->nspans > 16)
		return;
	mdl_ranges_drop(c, e);
	n = e->desc->spans(e->ptr, spans);
	for (i = 0; i < n; i++) {
		if (!spans[i].start)
			continue;
		r = mdl_grow(c->ranges, &c->ranges_cap, c->nranges, sizeof(*r), 32);
		if (!r)
			return;
		c->ranges = r;
		at = mdl_ranges_upper(c, spans[i].start);
		memmove(&c->ranges[at + 1], &c->ranges[at], sizeof(*c->ranges) * (c->nranges - at));
		c->ranges[at].start = spans[i].start;
		c->ranges[at].end = spans[i].start + spans[i].bytes;
		c->ranges[at].e = e;
		c->nranges++;
		e->nranges++;
	}
}

static void mdl_free_allocs(struct mdl_alloc *a)
{
	struct mdl_alloc *next;

	for (; a; a = next) {
		next = a->next;
		mdl_free(a);
	}
}

/* Frees what the table allocated for an entry (never the driver's own objects), then the entry. */
static void mdl_entry_free(struct mdl_chan *c, struct mdl_entry *e)
{
	mdl_ranges_drop(c, e);
	mdl_free_allocs(e->owned);
	if (!e->own) {
		if ((e->kind == MDL_OBJECT && !e->inner) || e->token)
			mdl_free(e->ptr);
		if (e->kind == MDL_FUNCTION && e->slot)
			c->slot_ids[e->slot - 1] = 0;
	}
	mdl_free(e);
}

static void mdl_tab_clear(struct mdl_chan *c, struct mdl_objtab *t)
{
	struct mdl_entry *e, *next;
	u32 i;

	for (i = 0; i < t->nbuckets; i++) {
		for (e = t->by_id[i]; e; e = next) {
			next = e->id_next;
			mdl_entry_free(c, e);
		}
	}
	mdl_free(t->by_id);
	mdl_free(t->by_ptr);
	t->by_id = NULL;
	t->by_ptr = NULL;
	t->nbuckets = 0;
	t->count = 0;
}

/* The id of a local pointer, issued on first use; a shadow, token or trampoline has the peer's. */
static int mdl_tab_id(struct mdl_chan *c, u8 kind, const void *p, u32 type,
		      const struct mdl_type_desc *d, u32 *id)
{
	struct mdl_entry *e = mdl_tab_by_ptr(&c->tab, kind, p, type);
	int err;

	if (e) {
		*id = e->id;
		return 0;
	}
	if (c->next_serial >= MDL_MAX_SERIAL)
		return -ENOSPC;
	e = mdl_zalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->id = c->home | ++c->next_serial;
	e->kind = kind;
	e->type = type;
	e->own = true;
	e->desc = d;
	if (kind == MDL_FUNCTION)
		e->fn = (void (*)(void))(uintptr_t)p;
	else
		e->ptr = (void *)(uintptr_t)p;
	err = mdl_tab_insert(&c->tab, e);
	if (err) {
		mdl_free(e);
		return err;
	}
	*id = e->id;
	return 0;
}

/* ---- the channel --------------------------------------------------------------------------- */

/* Where callback type cb's trampoline slots start in slot_ids; cb = ncallbacks gives the total. */
static u32 mdl_slot_base(const struct mdl_module *mod, u32 cb)
{
	u32 i, base = 0;

	for (i = 0; i < cb && i < mod->ncallbacks; i++)
		base += mod->callbacks[i].nslots;
	return base;
}

int mdl_chan_init(struct mdl_chan *c, const struct mdl_module *mod, struct mdl_transport *tr,
		  u32 max_payload)
{
	u32 slots = mdl_slot_base(mod, mod->ncallbacks);

	memset(c, 0, sizeof(*c));
	c->mod = mod;
	c->tr = tr;
	c->home = mod->user_side ? MDL_HOME_USER : 0;
	c->max_payload = max_payload ? max_payload : MDL_MAX_PAYLOAD_DEFAULT;
	c->max_peer_entries = MDL_MAX_PEER_ENTRIES;
	if (slots) {
		c->slot_ids = mdl_zalloc(sizeof(u32) * slots);
		if (!c->slot_ids)
			return -ENOMEM;
	}
	mdl_mutex_init(&c->buf_lock);
	mdl_mutex_init(&c->call_lock);
	mdl_mutex_init(&c->tab_lock);
	return 0;
}

void mdl_chan_destroy(struct mdl_chan *c)
{
	struct mdl_entry *e, *next;

	mdl_free(c->ranges);
	c->ranges = NULL;
	c->nranges = 0;
	for (e = c->retired; e; e = next) {
		next = e->id_next;
		mdl_entry_free(c, e);
	}
	c->retired = NULL;
	mdl_tab_clear(c, &c->tab);
	mdl_free(c->slot_ids);
	mdl_free(c->frees);
	mdl_free(c->bound);
	c->slot_ids = NULL;
	c->frees = NULL;
	c->bound = NULL;
	c->nbound = 0;
	while (c->nspare)
		mdl_free(c->spare[--c->nspare]);
	mdl_free(c->serve_buf);
	c->serve_buf = NULL;
	mdl_free(c->call_buf);
	c->call_buf = NULL;
	mdl_mutex_destroy(&c->buf_lock);
	mdl_mutex_destroy(&c->call_lock);
	mdl_mutex_destroy(&c->tab_lock);
}

void mdl_chan_peer_gone(struct mdl_chan *c)
{
	struct mdl_entry *e, *next;
	u32 i, slots = mdl_slot_base(c->mod, c->mod->ncallbacks);

	mdl_mutex_lock(&c->tab_lock);
	for (i = 0; i < c->tab.nbuckets; i++) {
		for (e = c->tab.by_id[i]; e; e = next) {
			next = e->id_next;
			e->nranges = 0;
			e->slot = 0;
			e->id_next = c->retired;
			c->retired = e;
		}
		c->tab.by_id[i] = NULL;
		c->tab.by_ptr[i] = NULL;
	}
	c->tab.count = 0;
	c->peer_entries = 0;
	c->nranges = 0;
	c->nfrees = 0;
	if (slots)
		memset(c->slot_ids, 0, sizeof(u32) * slots);
	mdl_mutex_unlock(&c->tab_lock);
}

/* ---- bound functions ---------------------------------------------------------------------- */

u32 mdl_bound_id(const char *name)
{
	u32 h = 2166136261u;

	for (; *name; name++) {
		h ^= (u8)*name;
		h *= 16777619u;
	}
	/* xor-fold the top two bits in, so all 32 bits of the hash count */
	return MDL_BOUND | ((h ^ (h >> 30)) & (MDL_BOUND - 1));
}

static const struct mdl_bound_fn *mdl_bound_by_id(const struct mdl_chan *c, u32 id)
{
	u32 i;

	for (i = 0; i < c->nbound; i++)
		if (c->bound[i].id == id)
			return &c->bound[i];
	return NULL;
}

static const struct mdl_bound_fn *mdl_bound_by_fn(const struct mdl_chan *c, void (*fn)(void))
{
	u32 i;

	for (i = 0; i < c->nbound; i++)
		if (c->bound[i].fn && c->bound[i].fn == fn)
			return &c->bound[i];
	return NULL;
}

static const struct mdl_bound_fn *mdl_bound_by_handle(const struct mdl_chan *c, const void *p)
{
	u32 i;

	for (i = 0; i < c->nbound; i++)
		if (!c->bound[i].fn && c->bound[i].handle == p)
			return &c->bound[i];
	return NULL;
}

/* Table lock held. */
static int mdl_bind_locked(struct mdl_chan *c, u32 type, u32 id, void (*fn)(void), const char *name)
{
	struct mdl_bound_fn *b;

	if (!fn || !name || id != mdl_bound_id(name))
		return -EINVAL;
	if (mdl_bound_by_id(c, id) || mdl_bound_by_fn(c, fn))
		return -EEXIST;
	b = mdl_grow(c->bound, &c->bound_cap, c->nbound, sizeof(*b), 16);
	if (!b)
		return -ENOMEM;
	c->bound = b;
	b[c->nbound].id = id;
	b[c->nbound].type = type;
	b[c->nbound].fn = fn;
	b[c->nbound].name = name;
	b[c->nbound].handle = NULL;
	c->nbound++;
	return 0;
}

int mdl_chan_bind_function(struct mdl_chan *c, u32 type, u32 id, void (*fn)(void),
			   const char *name)
{
	int err;

	mdl_mutex_lock(&c->tab_lock);
	err = mdl_bind_locked(c, type, id, fn, name);
	mdl_mutex_unlock(&c->tab_lock);
	return err;
}

int mdl_chan_bind_functions(struct mdl_chan *c, const struct mdl_bound_name *names,
			    void (*const *fns)(void), u32 n)
{
	u32 i, before;
	int err = 0;

	mdl_mutex_lock(&c->tab_lock);
	before = c->nbound;
	for (i = 0; i < n && !err; i++) {
		err = mdl_bind_locked(c, 0, names[i].id, fns[i], names[i].name);
		if (err)
			mdl_log("cannot bind %s (id 0x%08x): %d", names[i].name ? names[i].name : "(null)",
				names[i].id, err);
	}
	if (err)
		c->nbound = before;
	mdl_mutex_unlock(&c->tab_lock);
	return err;
}

int mdl_chan_bind_handle(struct mdl_chan *c, u32 id, const void *p, const char *name)
{
	struct mdl_bound_fn *b;
	int err = 0;

	if (!p || !name || id != mdl_bound_id(name))
		return -EINVAL;
	mdl_mutex_lock(&c->tab_lock);
	if (mdl_bound_by_id(c, id) || mdl_bound_by_handle(c, p)) {
		err = -EEXIST;
	} else {
		b = mdl_grow(c->bound, &c->bound_cap, c->nbound, sizeof(*b), 16);
		if (!b) {
			err = -ENOMEM;
		} else {
			c->bound = b;
			b[c->nbound].id = id;
			b[c->nbound].type = 0;
			b[c->nbound].fn = NULL;
			b[c->nbound].name = name;
			b[c->nbound].handle = p;
			c->nbound++;
		}
	}
	mdl_mutex_unlock(&c->tab_lock);
	return err;
}

int mdl_chan_unbind_handle(struct mdl_chan *c, u32 id)
{
	u32 i;
	int err = -ENOENT;

	mdl_mutex_lock(&c->tab_lock);
	for (i = 0; i < c->nbound; i++) {
		if (c->bound[i].id == id && !c->bound[i].fn) {
			c->bound[i] = c->bound[--c->nbound];
			err = 0;
			break;
		}
	}
	mdl_mutex_unlock(&c->tab_lock);
	return err;
}

#ifndef __KERNEL__
void mdl_bound_called(const char *name)
{
	fprintf(stderr, "mdidl: %s is a kernel function: the u-driver may hand it to the kernel, never call it\n",
		name);
	abort();
}
#endif

u32 mdl_chan_id_of(struct mdl_chan *c, const void *obj, u32 type)
{
	struct mdl_entry *e;
	u32 id;

	mdl_mutex_lock(&c->tab_lock);
	e = mdl_tab_by_ptr(&c->tab, MDL_OBJECT, obj, type);
	id = e ? e->id : 0;
	mdl_mutex_unlock(&c->tab_lock);
	return id;
}

u32 mdl_chan_entries(struct mdl_chan *c)
{
	u32 n;

	mdl_mutex_lock(&c->tab_lock);
	n = c->tab.count;
	mdl_mutex_unlock(&c->tab_lock);
	return n;
}

int mdl_chan_forget(struct mdl_chan *c, const void *obj, u32 type)
{
	struct mdl_entry *e;
	u32 *frees;
	int err = 0;

	mdl_mutex_lock(&c->tab_lock);
	e = mdl_tab_by_ptr(&c->tab, MDL_OBJECT, obj, type);
	if (!e) {
		err = -ENOENT;
		goto out;
	}
	/* Only the home side frees: a shadow goes when its home says so. */
	if (!e->own) {
		err = -EPERM;
		goto out;
	}
	frees = mdl_grow(c->frees, &c->frees_cap, c->nfrees, sizeof(u32) * 2, 16);
	if (!frees) {
		err = -ENOMEM;
		goto out;
	}
	c->frees = frees;
	c->frees[2 * c->nfrees] = e->id;
	c->frees[2 * c->nfrees + 1] = e->type;
	c->nfrees++;
	mdl_tab_unlink(&c->tab, e);
	mdl_entry_free(c, e);
out:
	mdl_mutex_unlock(&c->tab_lock);
	return err;
}

u32 mdl_chan_slot(struct mdl_chan *c, u32 cb, u32 slot)
{
	return c->slot_ids ? c->slot_ids[mdl_slot_base(c->mod, cb) + slot] : 0;
}

/* ---- message buffers ----------------------------------------------------------------------- */

/*
 * A message buffer of max_payload + header bytes: a spare one, or a new one. Neither is zeroed
 * (a 1 MiB calloc per message cost more than the rest of a call): what a spare still holds of an
 * older message is never sent, because a message goes out only up to its writer's position and
 * the writer writes every byte before it (mdidl_wire.h: values, padding, reserved room), and a
 * received message is read only up to the length the transport returned.
 */
static u8 *mdl_buf_get(struct mdl_chan *c)
{
	void *b = NULL;

	mdl_mutex_lock(&c->buf_lock);
	if (c->nspare)
		b = c->spare[--c->nspare];
	mdl_mutex_unlock(&c->buf_lock);
	return b ? b : mdl_alloc((size_t)c->max_payload + MDL_HEADER_SIZE);
}

/* Keeps b for the next message, or frees it when enough are kept. */
static void mdl_buf_put(struct mdl_chan *c, const void *b)
{
	if (!b)
		return;
	mdl_mutex_lock(&c->buf_lock);
	if (c->nspare < MDL_SPARE_BUFS) {
		c->spare[c->nspare++] = (void *)b;
		b = NULL;
	}
	mdl_mutex_unlock(&c->buf_lock);
	mdl_free((void *)b);
}

/* The channel's serve_buf for a served call's reply, or NULL (take a spare). Table lock held. */
static void *mdl_serve_buf_take(struct mdl_chan *c)
{
	/* Acquire: the last user's reply was sent before its release store said so. */
	if (mdl_load_acquire(&c->serve_busy))
		return NULL;
	if (!c->serve_buf) {
		c->serve_buf = mdl_alloc((size_t)c->max_payload + MDL_HEADER_SIZE);
		if (!c->serve_buf)
			return NULL;
	}
	mdl_store_release(&c->serve_busy, 1);
	return c->serve_buf;
}

/* ---- outgoing messages --------------------------------------------------------------------- */

int mdl_out_fail(struct mdl_out *m, const char *msg, int err)
{
	m->w.err_off = m->w.pos;
	m->w.err_msg = msg;
	return err;
}

/*
 * An empty message of c, holding nothing. Field by field rather than a memset: every message
 * starts here, and clearing the whole struct (its writer, hash and stacks) cost more than the
 * few fields a message of scalars ever touches.
 */
static void mdl_out_reset(struct mdl_out *m, struct mdl_chan *c)
{
	m->c = c;
	m->buf = NULL;
	m->header_at = 0;
	m->objs = NULL;
	m->nobjs = m->objs_cap = 0;
	m->hash = NULL;
	m->nhash = 0;
	m->kids = NULL;
	m->frame_end = NULL;
	m->nkids = m->kids_cap = m->nframes = m->frames_cap = 0;
	m->frees = 0;
	m->replies = NULL;
	m->nreplies = 0;
	m->objects_written = false;
	m->locked = false;
	m->serve_buf = false;
}

/* buf: the message's buffer, or NULL for a spare one. */
static int mdl_out_init_in(struct mdl_chan *c, struct mdl_out *m, void *buf, u8 kind, u8 flags,
			   u32 iface, u32 fn, u32 call_id)
{
	struct mdl_header h = {
		.module_version = c->mod->version,
		.kind = kind,
		.flags = flags,
		.interface_id = iface,
		.function_id = fn,
		.call_id = call_id,
	};

	mdl_out_reset(m, c);
	m->buf = buf ? buf : mdl_buf_get(c);
	if (!m->buf)
		return -ENOMEM;
	mdl_writer_init(&m->w, m->buf, (size_t)c->max_payload + MDL_HEADER_SIZE);
	return mdl_header_encode(&m->w, &h, &m->header_at);
}

static int mdl_out_init(struct mdl_chan *c, struct mdl_out *m, u8 kind, u8 flags, u32 iface,
			u32 fn, u32 call_id)
{
	return mdl_out_init_in(c, m, NULL, kind, flags, iface, fn, call_id);
}

static void mdl_out_free(struct mdl_out *m)
{
	if (m->locked) {
		m->locked = false;
		mdl_mutex_unlock(&m->c->tab_lock);
	}
	if (m->serve_buf) {
		/* Sent, or never to be: the next serve may write it. */
		m->serve_buf = false;
		mdl_store_release(&m->c->serve_busy, 0);
	} else {
		mdl_buf_put(m->c, m->buf);
	}
	m->buf = NULL;
	/* Only a message with objects has these: most calls carry scalars and arrays. */
	if (m->objs || m->hash || m->kids || m->frame_end) {
		mdl_free(m->objs);
		mdl_free(m->hash);
		mdl_free(m->kids);
		mdl_free(m->frame_end);
		m->objs = NULL;
		m->hash = NULL;
		m->kids = NULL;
		m->frame_end = NULL;
	}
}

static int mdl_out_rehash(struct mdl_out *m, u32 n)
{
	u32 *hash = mdl_zalloc(sizeof(u32) * n), i, h;

	if (!hash)
		return -ENOMEM;
	for (i = 0; i < m->nobjs; i++) {
		h = mdl_ptr_hash(MDL_OBJECT, m->objs[i].ptr, m->objs[i].desc->id) & (n - 1);
		m->objs[i].hash_next = hash[h];
		hash[h] = i + 1;
	}
	mdl_free(m->hash);
	m->hash = hash;
	m->nhash = n;
	return 0;
}

int mdl_out_select(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d, bool all,
		   bool deep, u32 *index, bool *walk)
{
	struct mdl_out_obj *o = NULL;
	u32 i, h;
	bool fresh = false;
	int err;

	if (m->objects_written)
		return mdl_out_fail(m, "object selected after the object section", -EINVAL);
	if (m->nhash) {
		h = mdl_ptr_hash(MDL_OBJECT, obj, d->id) & (m->nhash - 1);
		for (i = m->hash[h]; i; i = m->objs[i - 1].hash_next) {
			if (m->objs[i - 1].ptr == obj && m->objs[i - 1].desc == d) {
				o = &m->objs[i - 1];
				break;
			}
		}
	}
	if (!o) {
		o = mdl_grow(m->objs, &m->objs_cap, m->nobjs, sizeof(*o), 16);
		if (!o)
			return -ENOMEM;
		m->objs = o;
		if (m->nobjs >= m->nhash) {
			err = mdl_out_rehash(m, m->nhash ? m->nhash * 2 : 32);
			if (err)
				return err;
		}
		o = &m->objs[m->nobjs];
		memset(o, 0, sizeof(*o));
		err = mdl_tab_id(m->c, MDL_OBJECT, obj, d->id, d, &o->id);
		if (err)
			return err;
		o->ptr = obj;
		o->desc = d;
		h = mdl_ptr_hash(MDL_OBJECT, obj, d->id) & (m->nhash - 1);
		o->hash_next = m->hash[h];
		m->hash[h] = m->nobjs + 1;
		m->nobjs++;
		fresh = true;
	}
	*index = (u32)(o - m->objs);
	/* Sent whole and deep already: a cycle ends here. */
	if (deep && !fresh && o->all) {
		*walk = false;
		return 0;
	}
	if (all || deep) {
		o->all = true;
		for (i = 0; i < MDL_MASK_WORDS; i++)
			o->mask[i] |= d->sendable[i];
	}
	*walk = true;
	return 0;
}

int mdl_out_touch(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d)
{
	u32 id;

	if (!obj)
		return 0;
	return mdl_tab_id(m->c, MDL_OBJECT, obj, d->id, d, &id);
}

int mdl_out_child(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d)
{
	struct mdl_kid *kids;

	if (!obj)
		return 0;
	kids = mdl_grow(m->kids, &m->kids_cap, m->nkids, sizeof(*kids), 32);
	if (!kids)
		return -ENOMEM;
	m->kids = kids;
	m->kids[m->nkids].obj = obj;
	m->kids[m->nkids].desc = d;
	m->nkids++;
	return 0;
}

/*
 * Visits one object of a deep walk: selects it whole and, unless it was already sent whole,
 * pushes a frame over the children it lists (start, cursor, end on the kids stack).
 */
static int mdl_out_deep_visit(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d)
{
	u32 index, start, *f, *frames;
	bool walk;
	int err = mdl_out_select(m, obj, d, true, true, &index, &walk);

	if (err || !walk)
		return err;
	frames = mdl_grow(m->frame_end, &m->frames_cap, m->nframes, sizeof(u32) * 3, 16);
	if (!frames)
		return -ENOMEM;
	m->frame_end = frames;
	start = m->nkids;
	err = d->children(m, obj);
	if (err)
		return err;
	f = &m->frame_end[3 * m->nframes];
	f[0] = start;
	f[1] = start;
	f[2] = m->nkids;
	m->nframes++;
	return 0;
}

/*
 * Preorder, children in field order, as a recursive walk would go, but with the stack on the
 * heap: a linked list of any length cannot overflow a kernel stack.
 */
int mdl_out_deep(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d)
{
	u32 *f;
	int err;

	if (!obj)
		return 0;
	err = mdl_out_deep_visit(m, obj, d);
	while (!err && m->nframes) {
		f = &m->frame_end[3 * (m->nframes - 1)];
		if (f[1] == f[2]) {
			/* Its children sit at the top of the kids stack. */
			m->nkids = f[0];
			m->nframes--;
			continue;
		}
		obj = m->kids[f[1]].obj;
		d = m->kids[f[1]].desc;
		f[1]++;
		err = mdl_out_deep_visit(m, obj, d);
	}
	m->nframes = 0;
	m->nkids = 0;
	return err;
}

int mdl_out_objects(struct mdl_out *m)
{
	struct mdl_chan *c = m->c;
	struct mdl_out_obj *o;
	size_t len_at, start;
	u32 i, k, words;
	int err;

	if (m->objects_written)
		return mdl_out_fail(m, "object section written twice", -EINVAL);
	m->objects_written = true;
	for (i = 0; i < c->nfrees; i++) {
		err = mdl_put_align(&m->w, 8);
		err = err ?: mdl_put_u32(&m->w, c->frees[2 * i]);
		err = err ?: mdl_put_u32(&m->w, c->frees[2 * i + 1]);
		err = err ?: mdl_put_u32(&m->w, 0);
		err = err ?: mdl_put_u32(&m->w, MDL_ENTRY_FREED);
		if (err)
			return err;
		m->frees++;
	}
	for (i = 0; i < m->nobjs; i++) {
		o = &m->objs[i];
		words = (o->desc->nfields + 63) / 64;
		err = mdl_put_align(&m->w, 8);
		err = err ?: mdl_put_u32(&m->w, o->id);
		err = err ?: mdl_put_u32(&m->w, o->desc->id);
		err = err ?: mdl_reserve(&m->w, 4, &len_at);
		err = err ?: mdl_put_u32(&m->w, 0);
		if (err)
			return err;
		start = m->w.pos;
		for (k = 0; k < words && !err; k++)
			err = mdl_put_u64(&m->w, o->mask[k]);
		err = err ?: (o->put ?: o->desc->put)(m, o->ptr, o->mask);
		if (!err && o->desc->spans)
			mdl_ranges_note(c, mdl_tab_by_ptr(&c->tab, MDL_OBJECT, o->ptr, o->desc->id));
		err = err ?: mdl_put_align(&m->w, 8);
		err = err ?: mdl_patch_u32(&m->w, len_at, (u32)(m->w.pos - start));
		if (err)
			return err;
	}
	return 0;
}

/* Writes the id of p (issued on first use), or 0 for NULL, which `nonnull` refuses with null_msg. */
static int mdl_out_id(struct mdl_out *m, u8 kind, const void *p, u32 type,
		      const struct mdl_type_desc *d, bool nonnull, const char *null_msg)
{
	u32 id = 0;
	int err;

	if (!p) {
		if (nonnull)
			return mdl_out_fail(m, null_msg, -EINVAL);
	} else {
		err = mdl_tab_id(m->c, kind, p, type, d, &id);
		if (err)
			return err;
	}
	return mdl_put_u32(&m->w, id);
}

int mdl_out_ref(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d, bool nonnull)
{
	return mdl_out_id(m, MDL_OBJECT, obj, d->id, d, nonnull, "a [ref] pointer is NULL");
}

int mdl_out_handle(struct mdl_out *m, const void *p, u32 type, bool nonnull)
{
	const struct mdl_bound_fn *b = p ? mdl_bound_by_handle(m->c, p) : NULL;

	if (b)
		return mdl_put_u32(&m->w, b->id);
	return mdl_out_id(m, MDL_HANDLE, p, type, NULL, nonnull, "a [ref] handle is NULL");
}

int mdl_out_function(struct mdl_out *m, void (*fn)(void), u32 type, bool nonnull)
{
	const struct mdl_bound_fn *b = fn ? mdl_bound_by_fn(m->c, fn) : NULL;

	if (b) {
		if (b->type && b->type != type)
			return mdl_out_fail(m, "a bound function sent as another callback type", -EINVAL);
		return mdl_put_u32(&m->w, b->id);
	}
	return mdl_out_id(m, MDL_FUNCTION, (const void *)(uintptr_t)fn, type, NULL, nonnull,
			  "a [ref] function pointer is NULL");
}

/*
 * Which tabled object holds the array p points into: the range table first, then every object
 * whose type has arrays (desc->locate). Objects the peer was never sent are not in the table,
 * so the peer can always resolve what this names.
 */
int mdl_out_interior(struct mdl_out *m, const void *p, bool nonnull)
{
	struct mdl_objtab *t = &m->c->tab;
	struct mdl_entry *e;
	u32 i, k, field = 0, index = 0;
	int err;

	if (!p) {
		if (nonnull)
			return mdl_out_fail(m, "a [ref] interior pointer is NULL", -EINVAL);
		err = mdl_put_u32(&m->w, 0);
		err = err ?: mdl_put_u32(&m->w, 0);
		err = err ?: mdl_put_u32(&m->w, 0);
		return err ?: mdl_put_u32(&m->w, 0);
	}
	/* The range table first: the last ranges starting at or before p, confirmed by locate(). */
	for (i = mdl_ranges_upper(m->c, (uintptr_t)p), k = 0; i-- > 0 && k < 4; k++) {
		const struct mdl_range *r = &m->c->ranges[i];

		if ((uintptr_t)p > r->end)
			continue;
		e = r->e;
		if (e->desc->locate(e->ptr, p, &field, &index))
			goto found;
	}
	/* An object whose arrays moved since it last crossed, or never noted: ask them all. */
	for (i = 0; i < t->nbuckets; i++) {
		for (e = t->by_id[i]; e; e = e->id_next) {
			if (e->kind != MDL_OBJECT || !e->desc || !e->desc->locate)
				continue;
			if (e->desc->locate(e->ptr, p, &field, &index))
				goto found;
		}
	}
	return mdl_out_fail(m, "interior pointer into no array of an object that crossed", -EINVAL);
found:
	err = mdl_put_u32(&m->w, e->id);
	err = err ?: mdl_put_u32(&m->w, e->desc->id);
	err = err ?: mdl_put_u32(&m->w, field);
	return err ?: mdl_put_u32(&m->w, index);
}

int mdl_out_container(struct mdl_out *m, const void *p, const struct mdl_type_desc *d,
		      size_t offset, bool nonnull)
{
	if (!p)
		return mdl_out_ref(m, NULL, d, nonnull);
	return mdl_out_ref(m, (const u8 *)p - offset, d, nonnull);
}

/*
 * Which member p is can only be told by the T around it: a T this side sent or received (its
 * own, or a shadow: the u-driver's adapter in a net_device's trailing area is tabled as itself).
 * Unlike one member, whose T is issued an id if it has none, a T no table knows names no member.
 */
int mdl_out_container_choice(struct mdl_out *m, const void *p, const struct mdl_type_desc *d,
			     const size_t *offs, u32 n, bool nonnull)
{
	const struct mdl_entry *e;
	u32 i;
	int err;

	if (!p) {
		if (nonnull)
			return mdl_out_fail(m, "a [ref] pointer is NULL", -EINVAL);
		err = mdl_put_u32(&m->w, 0);
		return err ?: mdl_put_u32(&m->w, 0);
	}
	for (i = 0; i < n; i++) {
		/* Integer arithmetic: a base below p's object is no pointer C may form. */
		e = mdl_tab_by_ptr(&m->c->tab, MDL_OBJECT, (const void *)((uintptr_t)p - offs[i]), d->id);
		if (!e)
			continue;
		err = mdl_put_u32(&m->w, e->id);
		return err ?: mdl_put_u32(&m->w, i);
	}
	return mdl_out_fail(m, "container pointer into none of its members of an object that crossed", -EINVAL);
}

int mdl_out_char_array(struct mdl_out *m, const char *a, size_t n)
{
	size_t len = 0;
	int err;

	while (len < n && a[len] != '\0')
		len++;
	if (len == n)
		return mdl_out_fail(m, "[string] char array holds no NUL", -EINVAL);
	err = mdl_put_bytes(&m->w, a, len);
	while (!err && len++ < n)
		err = mdl_put_u8(&m->w, 0);
	return err;
}

/* ---- incoming messages --------------------------------------------------------------------- */

int mdl_in_fail(struct mdl_in *m, struct mdl_reader *r, const char *msg)
{
	(void)m;
	r->err_off = r->pos;
	r->err_msg = msg;
	return -EPROTO;
}

/* Field by field, as mdl_out_reset; the caller sets h (and r, when it decoded the header). */
static void mdl_in_init(struct mdl_chan *c, struct mdl_in *m, const void *msg, size_t len)
{
	m->c = c;
	mdl_reader_init(&m->r, msg, len);
	m->msg = msg;
	m->len = len;
	m->pending.by_id = NULL;
	m->pending.by_ptr = NULL;
	m->pending.nbuckets = 0;
	m->pending.count = 0;
	m->touched = NULL;
	m->stage = NULL;
	m->nstage = m->stage_cap = 0;
	m->allocs = NULL;
	m->owner = NULL;
	m->allowed = NULL;
	m->nallowed = 0;
	m->decoding = NULL;
	m->decoding_size = 0;
	m->decoding_access = NULL;
	m->owner_field = 0;
	m->committed = false;
	m->locked = false;
}

/* zero false: the caller writes all n bytes before the message can be applied. */
static void *mdl_in_alloc_as(struct mdl_in *m, size_t n, bool zero)
{
	struct mdl_alloc *a;

	if (n > (size_t)m->c->max_payload * 8 + 64)
		return NULL;
	if (zero) {
		a = mdl_zalloc(sizeof(*a) + (n ? n : 1));
	} else {
		a = mdl_alloc(sizeof(*a) + (n ? n : 1));
		if (a)
			memset(a, 0, sizeof(*a));
	}
	if (!a)
		return NULL;
	a->owner = m->owner;
	a->field = m->owner_field;
	a->size = n;
	a->next = m->allocs;
	m->allocs = a;
	return a->data;
}

void *mdl_in_alloc(struct mdl_in *m, size_t n)
{
	return mdl_in_alloc_as(m, n, true);
}

void *mdl_in_keep(struct mdl_in *m, void *p)
{
	struct mdl_alloc **pp;

	if (!p)
		return NULL;
	for (pp = &m->allocs; *pp; pp = &(*pp)->next) {
		if ((void *)(*pp)->data == p) {
			*pp = (*pp)->next;
			return p;
		}
	}
	return p;
}

void mdl_release(void *p)
{
	if (p)
		mdl_free((u8 *)p - offsetof(struct mdl_alloc, data));
}

static void mdl_in_touch(struct mdl_in *m, struct mdl_entry *e, u8 flag)
{
	if (!e->msg_flags) {
		e->touched_next = m->touched;
		m->touched = e;
	}
	e->msg_flags |= flag;
}

/*
 * The table lock, taken when a message first needs the tables (an object entry, an id), not
 * before: a reply of scalars and arrays, most of them, is decoded and applied without it.
 * mdl_in_end and mdl_in_release give it back.
 */
static void mdl_in_lock(struct mdl_in *m)
{
	if (!m->locked) {
		mdl_mutex_lock(&m->c->tab_lock);
		m->locked = true;
	}
}

/* An entry named by the message: one it made earlier, or the table's. */
static struct mdl_entry *mdl_in_lookup(struct mdl_in *m, u32 id)
{
	struct mdl_entry *e = mdl_tab_by_id(&m->pending, id);

	return e ? e : mdl_tab_by_id(&m->c->tab, id);
}

static bool mdl_is_peer(const struct mdl_in *m, u32 id)
{
	return (id & MDL_HOME_USER) != m->c->home;
}

/*
 * Resolves an id of the given kind and type: ours must be in the table; the peer's may be new,
 * and then make(e) fills a pending entry.
 */
static int mdl_make_shadow(struct mdl_in *m, struct mdl_entry *e, const void *arg);

static int mdl_in_resolve(struct mdl_in *m, struct mdl_reader *r, u32 id, u8 kind, u32 type,
			  struct mdl_entry **out, int (*make)(struct mdl_in *, struct mdl_entry *,
							       const void *), const void *arg)
{
	struct mdl_entry *e;
	int err;

	mdl_in_lock(m);
	/* Bound ids name functions only, and mdl_in_function resolves them before this. */
	if (id & MDL_BOUND)
		return mdl_in_fail(m, r, "id in the bound-function range where no bound function may be");
	e = mdl_in_lookup(m, id);
	if (e) {
		if (e->kind != kind)
			return mdl_in_fail(m, r, "id names an entry of another kind");
		if (e->type != type)
			return mdl_in_fail(m, r, "id names an entry of another type");
		if (e->msg_flags & MDL_DYING)
			return mdl_in_fail(m, r, "id was freed earlier in this message");
		mdl_in_touch(m, e, MDL_NAMED);
		*out = e;
		return 0;
	}
	if (!mdl_is_peer(m, id))
		return mdl_in_fail(m, r, "id this side never issued");
	if (make == mdl_make_shadow && ((const struct mdl_type_desc *)arg)->home_only)
		return mdl_in_fail(m, r, "the peer may not make an object of this type: this side's has an area after it");
	if (m->c->peer_entries + m->pending.count >= m->c->max_peer_entries)
		return mdl_in_fail(m, r, "the peer has as many objects in the table as it may");
	e = mdl_zalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->id = id;
	e->kind = kind;
	e->type = type;
	err = make(m, e, arg);
	if (!err)
		err = mdl_tab_insert(&m->pending, e);
	if (err) {
		if ((e->kind == MDL_OBJECT && !e->inner) || e->token)
			mdl_free(e->ptr);
		if (e->slot)
			m->c->slot_ids[e->slot - 1] = 0;
		mdl_free(e);
		return err == -EPROTO ? mdl_in_fail(m, r, "no free trampoline for this callback type") : err;
	}
	mdl_in_touch(m, e, MDL_NAMED);
	*out = e;
	return 0;
}

static int mdl_make_shadow(struct mdl_in *m, struct mdl_entry *e, const void *arg)
{
	const struct mdl_type_desc *d = arg;

	(void)m;
	e->desc = d;
	e->ptr = mdl_zalloc(d->size);
	if (e->ptr && d->area) {
		/* The area starts where the accessor says (past padding): room up to its end. */
		size_t at = (size_t)((u8 *)d->area(e->ptr) - (u8 *)e->ptr);

		if (at + d->area_size > d->size) {
			mdl_free(e->ptr);
			e->ptr = mdl_zalloc(at + d->area_size);
		}
	}
	return e->ptr ? 0 : -ENOMEM;
}

/* A new object of the peer's in the area of the object being decoded (m->owner). */
static int mdl_make_area(struct mdl_in *m, struct mdl_entry *e, const void *arg)
{
	e->desc = arg;
	e->ptr = m->owner->desc->area(m->owner->ptr);
	e->inner = true;
	return 0;
}

static const struct mdl_type_desc *mdl_desc_of(const struct mdl_module *mod, u32 type)
{
	u32 i;

	for (i = 0; i < mod->ntypes; i++)
		if (mod->types[i]->id == type)
			return mod->types[i];
	return NULL;
}

/*
 * Whether the fields in mask are ones this message's function lets it carry for that type; *acc
 * is then the access set's entry for the type (NULL when it has none: an empty mask).
 */
static bool mdl_in_allowed(const struct mdl_in *m, u32 type, const u64 *mask, const struct mdl_access **acc)
{
	u32 i, k;

	*acc = NULL;
	for (i = 0; i < m->nallowed; i++) {
		if (m->allowed[i].type != type)
			continue;
		for (k = 0; k < MDL_MASK_WORDS; k++)
			if (mask[k] & ~m->allowed[i].mask[k])
				return false;
		*acc = &m->allowed[i];
		return true;
	}
	for (k = 0; k < MDL_MASK_WORDS; k++)
		if (mask[k])
			return false;
	return true;
}

bool mdl_in_unmerged(const struct mdl_in *m, const void *p)
{
	const struct mdl_access *acc = m->decoding_access;
	uintptr_t at = (uintptr_t)p, base = (uintptr_t)m->decoding;
	u32 i;

	if (!acc || !base || at < base || at - base >= m->decoding_size)
		return false;
	/* A handful of fields, in the IDL's order (offsetof decides the kernel's): a scan. */
	for (i = 0; i < acc->nunmerged; i++)
		if (acc->unmerged[i] == at - base)
			return true;
	return false;
}

/* One entry of the object section: a free, or an object's present fields into staging. */
static int mdl_in_object(struct mdl_in *m)
{
	struct mdl_reader *r = &m->r, sub;
	const struct mdl_type_desc *d;
	const struct mdl_access *acc;
	struct mdl_entry *e;
	struct mdl_stage *s;
	u32 id, type, length, flags, words, k, i;
	u64 word;
	int err;

	err = mdl_get_align(r, 8);
	err = err ?: mdl_get_u32(r, &id);
	err = err ?: mdl_get_u32(r, &type);
	err = err ?: mdl_get_u32(r, &length);
	err = err ?: mdl_get_u32(r, &flags);
	if (err)
		return err;
	if (id == 0)
		return mdl_in_fail(m, r, "object entry with id 0");
	if (length % 8)
		return mdl_in_fail(m, r, "object entry length is not a multiple of 8");
	if (flags & ~(MDL_ENTRY_FREED | MDL_ENTRY_HANDLE | MDL_ENTRY_FUNCTION))
		return mdl_in_fail(m, r, "object entry flags use reserved bits");
	if (flags & MDL_ENTRY_FREED) {
		u8 kind = (flags & MDL_ENTRY_HANDLE) ? MDL_HANDLE :
			  (flags & MDL_ENTRY_FUNCTION) ? MDL_FUNCTION : MDL_OBJECT;

		if ((flags & MDL_ENTRY_HANDLE) && (flags & MDL_ENTRY_FUNCTION))
			return mdl_in_fail(m, r, "freed entry is both a handle and a function");
		if (length)
			return mdl_in_fail(m, r, "a freed object entry carries data");
		if (!mdl_is_peer(m, id))
			return mdl_in_fail(m, r, "the peer may not free an id of this side");
		e = mdl_in_lookup(m, id);
		if (!e || e->kind != kind || (kind == MDL_OBJECT && e->type != type))
			return mdl_in_fail(m, r, "freed id is not a live entry of that kind and type");
		if (e->msg_flags & (MDL_SEEN | MDL_DYING))
			return mdl_in_fail(m, r, "id appears twice in one message");
		if (e->msg_flags & MDL_NAMED)
			return mdl_in_fail(m, r, "id freed by the message that refers to it");
		mdl_in_touch(m, e, MDL_SEEN | MDL_DYING);
		return 0;
	}
	d = mdl_desc_of(m->c->mod, type);
	if (!d)
		return mdl_in_fail(m, r, "object entry type is not a struct of this module");
	err = mdl_get_sub(r, length, &sub);
	if (err)
		return err;
	err = mdl_in_resolve(m, &sub, id, MDL_OBJECT, type, &e, mdl_make_shadow, d);
	if (err)
		return err;
	if (e->msg_flags & MDL_SEEN)
		return mdl_in_fail(m, &sub, "object appears twice in one message");
	mdl_in_touch(m, e, MDL_SEEN);
	s = mdl_grow(m->stage, &m->stage_cap, m->nstage, sizeof(*s), 8);
	if (!s)
		return -ENOMEM;
	m->stage = s;
	s = &m->stage[m->nstage];
	memset(s, 0, sizeof(*s));
	words = (d->nfields + 63) / 64;
	for (k = 0; k < words; k++) {
		err = mdl_get_u64(&sub, &word);
		if (err)
			return err;
		for (i = 0; i < 64; i++) {
			if (!((word >> i) & 1))
				continue;
			if (k * 64 + i >= d->nfields)
				return mdl_in_fail(m, &sub, "mask bit beyond the type's fields");
			if (!mdl_bit(d->sendable, k * 64 + i))
				return mdl_in_fail(m, &sub, "mask names a field that never crosses");
		}
		s->mask[k] = word;
	}
	if (!mdl_in_allowed(m, type, s->mask, &acc))
		return mdl_in_fail(m, &sub, "object entry carries fields outside the call's access set");
	s->merge = acc ? acc->merge : NULL;
	s->entry = e;
	s->staged = mdl_zalloc(d->size);
	if (!s->staged)
		return -ENOMEM;
	m->nstage++;
	e->stage = m->nstage;
	m->owner = e;
	m->decoding = s->staged;
	m->decoding_size = d->size;
	m->decoding_access = acc;
	/* A new shadow has no live values: what the message leaves out is unknown, not zero. */
	err = d->get(m, &sub, s->staged, mdl_tab_by_id(&m->pending, id) ? NULL : e->ptr, s->mask);
	m->owner = NULL;
	m->decoding = NULL;
	m->decoding_access = NULL;
	err = err ?: mdl_get_align(&sub, 8);
	err = err ?: mdl_expect_end(&sub);
	if (err) {
		r->err_off = sub.err_off;
		r->err_msg = sub.err_msg;
	}
	return err;
}

int mdl_in_objects(struct mdl_in *m)
{
	u32 n;
	int err;

	if (m->h.object_count)
		mdl_in_lock(m);
	for (n = 0; n < m->h.object_count; n++) {
		err = mdl_in_object(m);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Reads an id and resolves it (mdl_in_resolve); *e is NULL for id 0, which `nonnull` refuses
 * with null_msg.
 */
static int mdl_in_id(struct mdl_in *m, struct mdl_reader *r, u8 kind, u32 type, bool nonnull,
		     const char *null_msg, int (*make)(struct mdl_in *, struct mdl_entry *, const void *),
		     const void *arg, struct mdl_entry **e)
{
	u32 id;
	int err = mdl_get_u32(r, &id);

	*e = NULL;
	if (err)
		return err;
	if (!id)
		return nonnull ? mdl_in_fail(m, r, null_msg) : 0;
	return mdl_in_resolve(m, r, id, kind, type, e, make, arg);
}

int mdl_in_ref(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
	       bool nonnull, void **obj)
{
	struct mdl_entry *e;
	int err = mdl_in_id(m, r, MDL_OBJECT, d->id, nonnull, "a [ref] pointer arrived NULL",
			    mdl_make_shadow, d, &e);

	*obj = e ? e->ptr : NULL;
	return err;
}

int mdl_in_area(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
		bool nonnull, void **obj)
{
	struct mdl_entry *o = m->owner, *e, *held;
	void *area;
	u32 id;
	int err;

	mdl_in_lock(m);
	*obj = NULL;
	if (!o || !o->desc || !o->desc->area)
		return mdl_in_fail(m, r, "an area's object outside an object that has the area");
	err = mdl_get_u32(r, &id);
	if (err)
		return err;
	if (!id)
		return nonnull ? mdl_in_fail(m, r, "a [trailing] area arrived NULL") : 0;
	area = o->desc->area(o->ptr);
	/*
	 * One object per area: a new id for an area whose object lives on would be a second one
	 * (the peer may free the old id in this message and name the area anew: frees come first).
	 */
	if (!mdl_in_lookup(m, id)) {
		held = mdl_tab_by_ptr(&m->c->tab, MDL_OBJECT, area, d->id);
		held = held ?: mdl_tab_by_ptr(&m->pending, MDL_OBJECT, area, d->id);
		if (held && !(held->msg_flags & MDL_DYING))
			return mdl_in_fail(m, r, "a new id for a [trailing] area that holds an object already");
	}
	err = mdl_in_resolve(m, r, id, MDL_OBJECT, d->id, &e, mdl_make_area, d);
	if (err)
		return err;
	/* The area is its owner's: the peer may name what is there, never put another object there. */
	if (e->ptr != area)
		return mdl_in_fail(m, r, "the id is not the object in its owner's [trailing] area");
	*obj = e->ptr;
	return 0;
}

static int mdl_make_handle(struct mdl_in *m, struct mdl_entry *e, const void *arg)
{
	struct mdl_token *t;
	u32 i;

	if (arg) {
		/* An ops table of the peer: calls through it are the generated stubs. */
		for (i = 0; i < m->c->mod->nifaces; i++) {
			if (m->c->mod->ifaces[i].id == e->type && m->c->mod->ifaces[i].stubs) {
				e->ptr = (void *)(uintptr_t)m->c->mod->ifaces[i].stubs;
				return 0;
			}
		}
		return -EPROTO;
	}
	t = mdl_zalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->id = e->id;
	t->type = e->type;
	e->ptr = t;
	e->token = true;
	return 0;
}

int mdl_in_handle(struct mdl_in *m, struct mdl_reader *r, u32 type, bool ops, bool nonnull,
		  void **p)
{
	struct mdl_entry *e;
	struct mdl_reader peek = *r;
	const struct mdl_bound_fn *b;
	u32 id;
	int err;

	mdl_in_lock(m);
	/* A bound handle: this side's own pointer (its BAR mapping), never a token. */
	if (!ops && !mdl_get_u32(&peek, &id) && (id & MDL_BOUND)) {
		b = mdl_bound_by_id(m->c, id);
		if (!b || b->fn)
			return mdl_in_fail(m, r, "bound handle id this side never bound");
		*r = peek;
		*p = (void *)(uintptr_t)b->handle;
		return 0;
	}
	err = mdl_in_id(m, r, MDL_HANDLE, type, nonnull, "a [ref] handle arrived NULL",
			mdl_make_handle, ops ? &type : NULL, &e);
	*p = e ? e->ptr : NULL;
	return err;
}

static int mdl_make_trampoline(struct mdl_in *m, struct mdl_entry *e, const void *arg)
{
	const struct mdl_module *mod = m->c->mod;
	u32 i, k, base;

	(void)arg;
	for (i = 0; i < mod->ncallbacks; i++) {
		if (mod->callbacks[i].id != e->type)
			continue;
		base = mdl_slot_base(mod, i);
		for (k = 0; k < mod->callbacks[i].nslots; k++) {
			if (!m->c->slot_ids[base + k]) {
				m->c->slot_ids[base + k] = e->id;
				e->slot = base + k + 1;
				e->fn = mod->callbacks[i].trampolines[k];
				return 0;
			}
		}
		return -EPROTO;
	}
	return -EPROTO;
}

int mdl_in_function(struct mdl_in *m, struct mdl_reader *r, u32 type, bool nonnull,
		    void (**fn)(void))
{
	const struct mdl_bound_fn *b;
	struct mdl_entry *e = NULL;
	u32 id;
	int err = mdl_get_u32(r, &id);

	mdl_in_lock(m);
	*fn = NULL;
	if (err)
		return err;
	if (!id)
		return nonnull ? mdl_in_fail(m, r, "a [ref] function pointer arrived NULL") : 0;
	if (id & MDL_BOUND) {
		/* A function both sides bound: this side's own pointer, no trampoline. */
		b = mdl_bound_by_id(m->c, id);
		if (!b || !b->fn)
			return mdl_in_fail(m, r, "bound function id this side never bound");
		if (b->type && b->type != type)
			return mdl_in_fail(m, r, "bound function id of another callback type");
		*fn = b->fn;
		return 0;
	}
	err = mdl_in_resolve(m, r, id, MDL_FUNCTION, type, &e, mdl_make_trampoline, NULL);
	*fn = e ? e->fn : NULL;
	return err;
}

int mdl_in_interior(struct mdl_in *m, struct mdl_reader *r, bool nonnull, void **p)
{
	const struct mdl_type_desc *d;
	struct mdl_entry *e;
	struct mdl_stage *s;
	u32 id, type, field, index;
	int err;

	mdl_in_lock(m);
	err = mdl_get_u32(r, &id);
	err = err ?: mdl_get_u32(r, &type);
	err = err ?: mdl_get_u32(r, &field);
	err = err ?: mdl_get_u32(r, &index);
	if (err)
		return err;
	*p = NULL;
	if (!id)
		return nonnull ? mdl_in_fail(m, r, "a [ref] interior pointer arrived NULL") : 0;
	d = mdl_desc_of(m->c->mod, type);
	if (!d || !d->element)
		return mdl_in_fail(m, r, "interior pointer into a type without arrays");
	err = mdl_in_resolve(m, r, id, MDL_OBJECT, type, &e, mdl_make_shadow, d);
	if (err)
		return err;
	s = e->stage ? &m->stage[e->stage - 1] : NULL;
	if (field >= d->nfields)
		return mdl_in_fail(m, r, "interior pointer into a field the type does not have");
	*p = d->element(e->ptr, s ? s->staged : NULL, s ? s->mask : NULL, field, index);
	if (!*p)
		return mdl_in_fail(m, r, "interior pointer outside any array this side holds");
	return 0;
}

int mdl_in_container(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
		     size_t offset, bool nonnull, void **p)
{
	void *outer;
	int err = mdl_in_ref(m, r, d, nonnull, &outer);

	if (err)
		return err;
	*p = outer ? (u8 *)outer + offset : NULL;
	return 0;
}

int mdl_in_container_choice(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
			    const size_t *offs, u32 n, bool nonnull, void **p)
{
	void *outer;
	u32 i;
	int err = mdl_in_ref(m, r, d, nonnull, &outer);

	err = err ?: mdl_get_u32(r, &i);
	if (err)
		return err;
	*p = NULL;
	if (!outer)
		return i ? mdl_in_fail(m, r, "a NULL container pointer with a member index") : 0;
	if (i >= n)
		return mdl_in_fail(m, r, "container member index out of range");
	*p = (u8 *)outer + offs[i];
	return 0;
}

int mdl_in_string(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t cap, bool nonnull,
		  char **s)
{
	u32 n, i;
	char *buf;
	int err = mdl_get_u32(r, &n);

	if (err)
		return err;
	*s = NULL;
	if (n == MDL_NULL)
		return nonnull ? mdl_in_fail(m, r, "a [ref] string arrived NULL") : 0;
	if (n > max)
		return mdl_in_fail(m, r, "string length exceeds its max");
	if ((size_t)n + 1 > mdl_remaining(r))
		return mdl_in_fail(m, r, "truncated: string and its NUL run past the end");
	buf = mdl_in_alloc(m, cap > (size_t)n + 1 ? cap : (size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	/* Copied first, checked after: the bytes may sit in memory the peer can still write. */
	err = mdl_get_bytes(r, buf, (size_t)n + 1);
	if (err)
		return err;
	if (buf[n] != '\0')
		return mdl_in_fail(m, r, "string is not NUL-terminated");
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			return mdl_in_fail(m, r, "string has a NUL inside");
	err = mdl_get_align(r, 4);
	if (err)
		return err;
	*s = buf;
	return 0;
}

int mdl_in_char_array(struct mdl_in *m, struct mdl_reader *r, char *a, size_t n)
{
	size_t i;
	int err = mdl_get_bytes(r, a, n);

	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (a[i] == '\0')
			return 0;
	return mdl_in_fail(m, r, "[string] char array is not NUL-terminated");
}

/* The head of a counted array and the checks on it both decoders make: 1 when it is NULL. */
static int mdl_in_counted_head(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t elem_wire,
			       s64 want, bool nonnull, u32 *count)
{
	u32 n;
	int err = mdl_get_counted(r, max, elem_wire, &n);

	if (err)
		return err;
	*count = n;
	if (n == MDL_NULL) {
		if (nonnull)
			return mdl_in_fail(m, r, "a [ref] array arrived NULL");
		/* The callee would index a NULL array its own count says is there. */
		if (want > 0)
			return mdl_in_fail(m, r, "a NULL array whose count expression is not 0");
		return 1;
	}
	if (want >= 0 && want != (s64)n)
		return mdl_in_fail(m, r, "element count differs from its count expression");
	return 0;
}

int mdl_in_counted(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t elem_wire,
		   size_t elem_size, s64 want, bool nonnull, u32 *count, void **items)
{
	u32 n;
	int err;

	*items = NULL;
	err = mdl_in_counted_head(m, r, max, elem_wire, want, nonnull, count);
	if (err)
		return err < 0 ? err : 0;
	n = *count;
	/*
	 * n is bounded by the bytes left (mdl_get_counted), so this allocation is too. Elements of
	 * one byte that take one byte on the wire are each written whole before the message can be
	 * applied, so their array is not zeroed first (a second pass over a large buffer); any other
	 * element may have bytes no wire value writes (padding, [skip] fields), which stay zero.
	 */
	*items = mdl_in_alloc_as(m, (size_t)n * elem_size, !(elem_size == 1 && elem_wire == 1));
	return *items ? 0 : -ENOMEM;
}

int mdl_in_counted_view(struct mdl_in *m, struct mdl_reader *r, u32 max, s64 want, bool nonnull,
			u32 *count, const void **items)
{
	u32 n;
	int err;

	*items = NULL;
	err = mdl_in_counted_head(m, r, max, 1, want, nonnull, count);
	if (err)
		return err < 0 ? err : 0;
	n = *count;
	/* mdl_get_counted checked that n one-byte elements fit in what is left. */
	*items = r->buf + r->pos;
	r->pos += n;
	return 0;
}

int mdl_in_counted_out(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t elem_wire,
		       size_t elem_size, s64 want, bool nonnull, u32 *count, void **items)
{
	u32 n;
	int err;

	*items = NULL;
	/* No elements follow the count: what bounds it is the reply that must carry them back. */
	err = mdl_in_counted_head(m, r, max, 0, want, nonnull, count);
	if (err)
		return err < 0 ? err : 0;
	n = *count;
	/* An element takes at least a byte in the reply, whatever its declared minimum. */
	if ((u64)n * (elem_wire ? elem_wire : 1) > m->c->max_payload)
		return mdl_in_fail(m, r, "an [out] array whose elements would not fit in a reply");
	*items = mdl_in_alloc_as(m, (size_t)n * elem_size, true);
	return *items ? 0 : -ENOMEM;
}

int mdl_in_box(struct mdl_in *m, struct mdl_reader *r, size_t elem_size, bool nonnull, void **p)
{
	u32 flag;
	int err = mdl_get_u32(r, &flag);

	if (err)
		return err;
	*p = NULL;
	if (flag > 1)
		return mdl_in_fail(m, r, "pointer presence is neither 0 nor 1");
	if (!flag)
		return nonnull ? mdl_in_fail(m, r, "a [ref] pointer arrived NULL") : 0;
	*p = mdl_in_alloc(m, elem_size);
	return *p ? 0 : -ENOMEM;
}

/* Whether the n bytes at p hold the address q, at any offset (a packed struct's too). */
static bool mdl_holds(const void *p, size_t n, const void *q)
{
	const u8 *b = p;
	uintptr_t v;
	size_t i;

	for (i = 0; i + sizeof(v) <= n; i++) {
		memcpy(&v, b + i, sizeof(v));
		if (v == (uintptr_t)q)
			return true;
	}
	return false;
}

/* Marks a (held) when the object o of n bytes or a buffer already held points at it. */
static bool mdl_hold(struct mdl_alloc *a, const void *o, size_t n, struct mdl_alloc *const *lists, u32 nlists)
{
	struct mdl_alloc *b;
	u32 k;

	if (a->held)
		return false;
	if (mdl_holds(o, n, a->data)) {
		a->held = true;
		return true;
	}
	for (k = 0; k < nlists; k++)
		for (b = lists[k]; b; b = b->next)
			if (b->held && b->owner == a->owner && mdl_holds(b->data, b->size, a->data)) {
				a->held = true;
				return true;
			}
	return false;
}

/*
 * An object merged in part (the access set names fields inside an embedded struct): its
 * buffers are owned per top-level field, but the merge took only some of the pointers of that
 * field. So a buffer of a field the message carries is kept when the object (or a buffer it
 * keeps) still points at it, whether the object had it or the message brought it, and dropped
 * otherwise: the old name of a device the merge left alone stays; the new one it ignored goes.
 * A scan over the object's bytes: a coincidence keeps a buffer until its object goes, never
 * frees one in use.
 */
static void mdl_in_adopt_merged(struct mdl_in *m, struct mdl_stage *s)
{
	struct mdl_alloc *lists[2] = { s->entry->owned, m->allocs }, **pp, *a;
	size_t size = s->entry->desc->size;
	bool more = true;
	u32 k;

	for (k = 0; k < 2; k++)
		for (a = lists[k]; a; a = a->next)
			a->held = false;
	while (more) {
		more = false;
		for (k = 0; k < 2; k++)
			for (a = lists[k]; a; a = a->next)
				if (a->owner == s->entry && a->field < MDL_MAX_FIELDS && mdl_bit(s->mask, a->field))
					more |= mdl_hold(a, s->entry->ptr, size, lists, 2);
	}
	for (k = 0; k < 2; k++) {
		for (pp = k ? &m->allocs : &s->entry->owned; (a = *pp);) {
			if (a->owner == s->entry && a->field < MDL_MAX_FIELDS && mdl_bit(s->mask, a->field) && !a->held) {
				*pp = a->next;
				mdl_free(a);
			} else {
				pp = &a->next;
			}
		}
	}
}

/* Moves the buffers decoded for (entry, field) to the entry, dropping what it owned there. */
static void mdl_in_adopt(struct mdl_in *m)
{
	struct mdl_alloc **pp = &m->allocs, *a, **op, *old;
	struct mdl_stage *s;
	u32 i;

	for (i = 0; i < m->nstage; i++) {
		s = &m->stage[i];
		if (s->merge) {
			mdl_in_adopt_merged(m, s);
			continue;
		}
		for (op = &s->entry->owned; *op;) {
			old = *op;
			if (old->field < MDL_MAX_FIELDS && mdl_bit(s->mask, old->field)) {
				*op = old->next;
				mdl_free(old);
			} else {
				op = &old->next;
			}
		}
	}
	while ((a = *pp)) {
		if (a->owner) {
			*pp = a->next;
			a->next = a->owner->owned;
			a->owner->owned = a;
		} else {
			pp = &a->next;
		}
	}
}

/*
 * A peer may not free an object that this side's objects would still point at once the message
 * is applied: they would be left pointing at freed memory. The peer sends the updates that drop
 * those pointers first (in the same message or an earlier one).
 */
static int mdl_in_check_frees(struct mdl_in *m)
{
	struct mdl_objtab *tabs[2] = { &m->c->tab, &m->pending };
	struct mdl_entry *d, *o;
	struct mdl_stage *s;
	bool hit;
	u32 t, i;

	for (d = m->touched; d; d = d->touched_next) {
		if (!(d->msg_flags & MDL_DYING) || d->kind != MDL_OBJECT)
			continue;
		for (t = 0; t < 2; t++) {
			for (i = 0; i < tabs[t]->nbuckets; i++) {
				for (o = tabs[t]->by_id[i]; o; o = o->id_next) {
					/* An area's object lives in its owner's memory: they go together. */
					if (o->inner && !(o->msg_flags & MDL_DYING) && d->desc && d->desc->area &&
					    o->ptr == d->desc->area(d->ptr))
						return mdl_in_fail(m, &m->r,
								   "frees an object whose [trailing] area's object lives on");
					if (o->kind != MDL_OBJECT || !o->desc || !o->desc->points_to ||
					    (o->msg_flags & MDL_DYING))
						continue;
					s = o->stage ? &m->stage[o->stage - 1] : NULL;
					if (s)
						hit = o->desc->points_to(o->ptr, s->mask, true, d->ptr) ||
						      o->desc->points_to(s->staged, s->mask, false, d->ptr);
					else
						hit = o->desc->points_to(o->ptr, NULL, false, d->ptr);
					if (hit)
						return mdl_in_fail(m, &m->r,
								   "frees an object this side's objects still point at");
				}
			}
		}
	}
	return 0;
}

int mdl_in_end(struct mdl_in *m)
{
	struct mdl_chan *c = m->c;
	struct mdl_entry *e, *next;
	struct mdl_stage *s;
	u32 i;
	u8 flags;
	int err = mdl_expect_end(&m->r);

	if (!err && !m->locked) {
		/*
		 * Nothing needed the tables (mdl_in_lock): no object entry, free or id arrived, so
		 * nothing is staged, pending or flagged, and there is nothing to apply.
		 */
		m->committed = true;
		return 0;
	}
	err = err ?: mdl_in_check_frees(m);
	if (err)
		return err;
	/* Room first, so that nothing below can fail half-way. */
	while (c->tab.count + m->pending.count > c->tab.nbuckets) {
		err = mdl_tab_grow(&c->tab);
		if (err)
			return err;
	}
	if (m->pending.nbuckets) {
		c->peer_entries += m->pending.count;
		for (i = 0; i < m->pending.nbuckets; i++) {
			for (e = m->pending.by_id[i]; e; e = next) {
				next = e->id_next;
				mdl_tab_insert(&c->tab, e);
			}
		}
		mdl_free(m->pending.by_id);
		mdl_free(m->pending.by_ptr);
		memset(&m->pending, 0, sizeof(m->pending));
	}
	for (i = 0; i < m->nstage; i++) {
		s = &m->stage[i];
		(s->merge ?: s->entry->desc->apply)(s->entry->ptr, s->staged, s->mask);
		s->entry->stage = 0;
	}
	mdl_in_adopt(m);
	for (i = 0; i < m->nstage; i++)
		if (m->stage[i].entry->desc->spans)
			mdl_ranges_note(c, m->stage[i].entry);
	/* Frees last: an object updated and freed by one message is simply gone. */
	for (e = m->touched; e; e = next) {
		next = e->touched_next;
		flags = e->msg_flags;
		e->msg_flags = 0;
		e->touched_next = NULL;
		if (flags & MDL_DYING) {
			mdl_tab_unlink(&c->tab, e);
			mdl_entry_free(c, e);
			c->peer_entries--;
		}
	}
	m->touched = NULL;
	m->committed = true;
	if (m->locked) {
		m->locked = false;
		mdl_mutex_unlock(&c->tab_lock);
	}
	return 0;
}

/* Drops everything a message staged (unless committed) and what nobody adopted. */
static void mdl_in_release(struct mdl_in *m)
{
	struct mdl_entry *e, *next;
	u32 i;

	if (!m->committed) {
		for (i = 0; i < m->nstage; i++)
			m->stage[i].entry->stage = 0;
		for (e = m->touched; e; e = next) {
			next = e->touched_next;
			e->msg_flags = 0;
			e->touched_next = NULL;
		}
		m->touched = NULL;
		for (i = 0; i < m->pending.nbuckets; i++) {
			for (e = m->pending.by_id[i]; e; e = next) {
				next = e->id_next;
				mdl_entry_free(m->c, e);
			}
		}
		mdl_free(m->pending.by_id);
		mdl_free(m->pending.by_ptr);
		memset(&m->pending, 0, sizeof(m->pending));
	}
	mdl_free_allocs(m->allocs);
	m->allocs = NULL;
	for (i = 0; i < m->nstage; i++)
		mdl_free(m->stage[i].staged);
	mdl_free(m->stage);
	m->stage = NULL;
	m->nstage = 0;
	if (m->locked) {
		m->locked = false;
		mdl_mutex_unlock(&m->c->tab_lock);
	}
}

/* ---- calls --------------------------------------------------------------------------------- */

static void mdl_call_lock(struct mdl_chan *c)
{
	mdl_thread_t self = mdl_thread_self();

	/* Only this thread can have set call_owner to itself, so reading it unlocked is safe here. */
	if (c->call_owned && mdl_thread_equal(c->call_owner, self)) {
		c->call_depth++;
		return;
	}
	mdl_mutex_lock(&c->call_lock);
	c->call_owner = self;
	c->call_owned = true;
	c->call_depth = 1;
}

static void mdl_call_unlock(struct mdl_chan *c)
{
	if (--c->call_depth)
		return;
	c->call_owned = false;
	mdl_mutex_unlock(&c->call_lock);
}

bool mdl_call_trylock(struct mdl_chan *c)
{
	mdl_thread_t self = mdl_thread_self();

	if (c->call_owned && mdl_thread_equal(c->call_owner, self)) {
		c->call_depth++;
		return true;
	}
	if (!mdl_mutex_trylock(&c->call_lock))
		return false;
	c->call_owner = self;
	c->call_owned = true;
	c->call_depth = 1;
	return true;
}

void mdl_call_release(struct mdl_chan *c)
{
	mdl_call_unlock(c);
}

static u32 mdl_next_call_id(struct mdl_chan *c)
{
	if (++c->next_call_id == 0)
		c->next_call_id = 1;
	return c->next_call_id;
}

/* The servers[] slot of this thread, or (want_free) a free one; NULL if none. Table lock held. */
static u32 *mdl_server_depth(struct mdl_chan *c, bool want_free)
{
	mdl_thread_t self;
	u32 i, *free = NULL;

	if (!c->nserving) {
		/* Nobody serves: no call is nested, and every slot is free. */
		if (!want_free)
			return NULL;
		c->servers[0].thread = mdl_thread_self();
		return &c->servers[0].depth;
	}
	self = mdl_thread_self();
	for (i = 0; i < MDL_SERVERS; i++) {
		if (c->servers[i].depth && mdl_thread_equal(c->servers[i].thread, self))
			return &c->servers[i].depth;
		if (!c->servers[i].depth && !free) {
			free = &c->servers[i].depth;
			if (want_free)
				c->servers[i].thread = self;
		}
	}
	return want_free ? free : NULL;
}

/*
 * This thread starts serving a call of the peer: its servers[] depth, for mdl_server_leave (NULL
 * when every slot is taken: its calls then go out unflagged). Table lock held.
 */
static u32 *mdl_server_enter(struct mdl_chan *c)
{
	u32 *depth = mdl_server_depth(c, true);

	if (depth && !(*depth)++)
		c->nserving++;
	return depth;
}

/*
 * The serve that entered with depth ends. The slot stays this thread's while its depth is not 0,
 * so the serve keeps the pointer rather than finding its slot again. Table lock held.
 */
static void mdl_server_leave(struct mdl_chan *c, u32 *depth)
{
	if (depth && !--*depth)
		c->nserving--;
}

static int mdl_begin(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in, u32 iface,
		     u32 fn)
{
	void *buf;
	u8 flags;
	int err;

	/* Nothing to release until a reply arrives (mdl_call_send): mdl_call_end checks c. */
	in->c = NULL;
	mdl_might_sleep();
	mdl_call_lock(c);
	mdl_mutex_lock(&c->tab_lock);
	/* Made while this thread serves a call of the peer: nested in it. */
	flags = mdl_server_depth(c, false) ? MDL_FLAG_NESTED : 0;
	buf = NULL;
	if (c->call_depth == 1) {
		buf = c->call_buf;
		c->call_buf = NULL;
	}
	err = mdl_out_init_in(c, out, buf, MDL_KIND_CALL, flags, iface, fn, mdl_next_call_id(c));
	if (err) {
		mdl_mutex_unlock(&c->tab_lock);
		return err;
	}
	out->locked = true;
	return 0;
}

int mdl_call_begin(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in, u32 iface,
		   u32 fn)
{
	return mdl_begin(c, out, in, iface, fn);
}

int mdl_call_begin_fn(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in, u32 type,
		      u32 fn_id)
{
	if (!fn_id) {
		/* The slot was released under us: the peer freed that function. */
		memset(in, 0, sizeof(*in));
		memset(out, 0, sizeof(*out));
		out->c = c;
		mdl_call_lock(c);
		return -ENOENT;
	}
	return mdl_begin(c, out, in, type, fn_id);
}

/* Finishes the header and hands the message to the transport (the table lock is dropped first). */
static int mdl_out_send(struct mdl_out *m)
{
	int err;

	if (!m->objects_written) {
		err = mdl_out_objects(m);
		if (err)
			return err;
	}
	err = mdl_header_finish(&m->w, m->header_at, m->frees + m->nobjs);
	if (err)
		return err;
	/* The frees went out in this message. */
	if (m->frees) {
		memmove(m->c->frees, m->c->frees + 2 * m->frees,
			sizeof(u32) * 2 * (m->c->nfrees - m->frees));
		m->c->nfrees -= m->frees;
	}
	if (m->locked) {
		m->locked = false;
		mdl_mutex_unlock(&m->c->tab_lock);
	}
	return m->c->tr->send(m->c->tr, m->buf, m->w.pos);
}

/* The outermost call keeps its buffer for the next one; any other goes back to the spares. */
static void mdl_call_buf_put(struct mdl_chan *c, const void *buf)
{
	if (buf && c->call_depth == 1 && !c->call_buf)
		c->call_buf = (void *)buf;
	else
		mdl_buf_put(c, buf);
}

int mdl_call_send(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in)
{
	size_t cap = (size_t)c->max_payload + MDL_HEADER_SIZE;
	struct mdl_reader r;
	/*
	 * Decoded where the reply keeps it: a copy of the header from the stack, just written a
	 * field at a time, stalled on store forwarding (5% of an in-process call's cycles).
	 */
	struct mdl_header *h = &in->h;
	u32 call_id = mdl_load_le32(out->buf + out->header_at + 20);
	u32 iface = mdl_load_le32(out->buf + out->header_at + 12);
	u32 fn = mdl_load_le32(out->buf + out->header_at + 16);
	u32 code, len;
	u8 *buf;
	long n;
	int err;

	in->c = NULL;
	err = mdl_out_send(out);
	if (err)
		return err;
	c->calls++;
	/*
	 * The reply arrives in the call's own buffer: a transport is done with a message once send
	 * returns (it copied it, or served it), and the ids that the reply must match were kept.
	 */
	buf = out->buf;
	out->buf = NULL;
	for (;;) {
		n = c->tr->recv(c->tr, buf, cap);
		if (n < 0) {
			err = (int)n;
			break;
		}
		mdl_reader_init(&r, buf, (size_t)n);
		err = mdl_header_decode(&r, c->max_payload, h);
		if (err) {
			mdl_log("dropped a malformed message while waiting (%s at byte %u)",
				r.err_msg, (unsigned int)r.err_off);
			break;
		}
		if (h->kind == MDL_KIND_CALL) {
			/* Nested in ours: the peer needs it served before it can answer. */
			mdl_chan_serve(c, buf, (size_t)n);
			continue;
		}
		if (h->call_id != call_id || h->interface_id != iface || h->function_id != fn) {
			mdl_log("dropped a reply to call %u while waiting for %u", h->call_id, call_id);
			err = -EPROTO;
			break;
		}
		if (h->kind == MDL_KIND_ERROR) {
			char why[128];

			err = mdl_error_decode(&r, &code, why, sizeof(why), &len);
			/* The peer's reason is the only trace of a call it refused: say it here. */
			if (!err && len)
				mdl_log("call %u of function 0x%08x failed at the peer: error %u (%s)",
					call_id, fn, code, why);
			err = err ? err : -(int)(code > 4095 ? EPROTO : code);
			break;
		}
		if (h->module_version != c->mod->version) {
			err = -EPROTO;
			break;
		}
		mdl_in_init(c, in, buf, (size_t)n);
		/* in->r is at the message's start; the header was read */
		in->r.pos = r.pos;
		in->allowed = out->replies;
		in->nallowed = out->nreplies;
		/* in owns buf from here: mdl_call_end frees it. */
		buf = NULL;
		err = mdl_in_objects(in);
		if (err)
			mdl_log("the reply to call %u of function 0x%08x is refused: %s at byte %u", call_id, fn,
				in->r.err_msg ? in->r.err_msg : "error", (unsigned int)in->r.err_off);
		break;
	}
	mdl_call_buf_put(c, buf);
	if (err) {
		/* Counted under the table lock, as a serve on another thread counts its own. */
		bool locked = in->c && in->locked;

		if (!locked)
			mdl_mutex_lock(&c->tab_lock);
		c->errors++;
		if (!locked)
			mdl_mutex_unlock(&c->tab_lock);
	}
	return err;
}

void mdl_call_end(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in)
{
	if (in->c) {
		mdl_in_release(in);
		mdl_call_buf_put(c, in->msg);
		in->msg = NULL;
	}
	if (out->c) {
		mdl_call_buf_put(c, out->buf);
		out->buf = NULL;
		mdl_out_free(out);
	}
	mdl_call_unlock(c);
}

int mdl_reply_start(struct mdl_out *out)
{
	if (!out->locked) {
		mdl_mutex_lock(&out->c->tab_lock);
		out->locked = true;
	}
	return 0;
}

static const struct mdl_function *mdl_find_function(const struct mdl_module *mod, u32 iface,
						    u32 fn)
{
	u32 i, k;

	for (i = 0; i < mod->nifaces; i++) {
		if (mod->ifaces[i].id != iface)
			continue;
		for (k = 0; k < mod->ifaces[i].nfunctions; k++)
			if (mod->ifaces[i].functions[k].id == fn)
				return &mod->ifaces[i].functions[k];
		return NULL;
	}
	return NULL;
}

static const struct mdl_callback *mdl_find_callback(const struct mdl_module *mod, u32 type)
{
	u32 i;

	for (i = 0; i < mod->ncallbacks; i++)
		if (mod->callbacks[i].id == type)
			return &mod->callbacks[i];
	return NULL;
}

/* Sends an error reply echoing ids (when the call's header could not be trusted, its raw bytes). */
static int mdl_send_error(struct mdl_chan *c, u32 iface, u32 fn, u32 call_id, int err,
			  const char *msg)
{
	struct mdl_out out;
	size_t len = 0;
	int e;

	e = mdl_out_init(c, &out, MDL_KIND_ERROR, 0, iface, fn, call_id);
	while (msg && msg[len] && len < 200)
		len++;
	e = e ?: mdl_error_encode(&out.w, (u32)-err, msg, len);
	e = e ?: mdl_header_finish(&out.w, out.header_at, 0);
	e = e ?: c->tr->send(c->tr, out.buf, out.w.pos);
	mdl_out_free(&out);
	return e;
}

static const char *mdl_errno_text(int err)
{
	switch (err) {
	case -ENOSYS:
		return "this side does not implement the function";
	case -EINVAL:
		return "module version mismatch";
	case -ENOMEM:
		return "out of memory";
	case -EMSGSIZE:
		return "reply too large";
	default:
		return "call failed";
	}
}

int mdl_chan_serve(struct mdl_chan *c, const void *msg, size_t len)
{
	const struct mdl_function *fn = NULL;
	const struct mdl_callback *cb = NULL;
	struct mdl_entry *fe = NULL;
	struct mdl_reader r;
	struct mdl_out out;
	struct mdl_in in;
	/* Decoded in place, not copied from the stack: as in mdl_call_send. */
	struct mdl_header *h = &in.h;
	const char *why = NULL;
	u32 *serving;
	void *buf;
	int err;

	mdl_reader_init(&r, msg, len);
	err = mdl_header_decode(&r, c->max_payload, h);
	if (err) {
		/* Answer what looks like a call, so its caller fails now rather than at its timeout. */
		if (len >= 24 && ((const u8 *)msg)[8] == MDL_KIND_CALL)
			mdl_send_error(c, mdl_load_le32((const u8 *)msg + 12),
				       mdl_load_le32((const u8 *)msg + 16),
				       mdl_load_le32((const u8 *)msg + 20), err, r.err_msg);
		return err;
	}
	if (h->kind != MDL_KIND_CALL) {
		mdl_log("dropped a reply nobody waits for (call %u)", h->call_id);
		return -EPROTO;
	}
	if (h->module_version != c->mod->version) {
		err = -EINVAL;
		goto fail;
	}
	fn = mdl_find_function(c->mod, h->interface_id, h->function_id);
	if (!fn) {
		cb = mdl_find_callback(c->mod, h->interface_id);
		if (cb) {
			mdl_mutex_lock(&c->tab_lock);
			fe = mdl_tab_by_id(&c->tab, h->function_id);
			if (fe && (!fe->own || fe->kind != MDL_FUNCTION || fe->type != cb->id))
				fe = NULL;
			mdl_mutex_unlock(&c->tab_lock);
			if (!fe) {
				err = -EPROTO;
				why = "function id this side never issued for that type";
				goto fail;
			}
		}
	}
	if ((!fn || !fn->serve) && !fe) {
		err = -ENOSYS;
		goto fail;
	}
	mdl_in_init(c, &in, msg, len);
	in.r.pos = r.pos;
	/* A call through a function pointer carries no objects (callbacks have no access sets). */
	if (fn && !fe) {
		in.allowed = fn->reads;
		in.nallowed = fn->nreads;
	}
	/*
	 * One taking of the table lock: this thread serves, the reply gets its buffer, and the
	 * objects are decoded.
	 */
	mdl_mutex_lock(&c->tab_lock);
	serving = mdl_server_enter(c);
	c->served++;
	in.locked = true;
	buf = mdl_serve_buf_take(c);
	err = mdl_out_init_in(c, &out, buf, MDL_KIND_REPLY, 0, h->interface_id, h->function_id,
			      h->call_id);
	out.serve_buf = buf != NULL;
	if (!err)
		err = mdl_in_objects(&in);
	if (!err)
		err = fe ? cb->serve(c, &in, &out, fe->fn) : fn->serve(c, &in, &out);
	if (err && in.r.err_msg)
		why = in.r.err_msg;
	else if (err && out.w.err_msg)
		why = out.w.err_msg;
	mdl_in_release(&in);
	if (!err) {
		/*
		 * Done serving once the reply is encoded: under the table lock its encoding holds, which
		 * mdl_out_send lets go of before the transport, so one taking of the lock does both.
		 */
		if (!out.locked) {
			mdl_mutex_lock(&c->tab_lock);
			out.locked = true;
		}
		mdl_server_leave(c, serving);
		err = mdl_out_send(&out);
		mdl_out_free(&out);
		return err;
	}
	mdl_out_free(&out);
	mdl_mutex_lock(&c->tab_lock);
	mdl_server_leave(c, serving);
	c->errors++;
	mdl_mutex_unlock(&c->tab_lock);
	goto answer;
fail:
	/* Refused before it was served. The counters share the table lock: serves may overlap. */
	mdl_mutex_lock(&c->tab_lock);
	c->served++;
	c->errors++;
	mdl_mutex_unlock(&c->tab_lock);
answer:
	mdl_send_error(c, h->interface_id, h->function_id, h->call_id, err,
		       why ? why : mdl_errno_text(err));
	return err;
}

int mdl_chan_run(struct mdl_chan *c, void *buf, size_t cap)
{
	long n;

	for (;;) {
		n = c->tr->recv(c->tr, buf, cap);
		if (n < 0)
			return (int)n;
		mdl_chan_serve(c, buf, (size_t)n);
	}
}
