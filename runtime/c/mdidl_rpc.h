/* SPDX-License-Identifier: MIT */
/*
 * mdidl_rpc.h - the channel between a k-driver and its u-driver, and what the generated stubs
 * use to build and take apart messages: object tables, the outgoing object section, staged
 * decoding, calls, replies and dispatch. docs/wire-format.md is the byte format; docs/c-api.md
 * the contract with the integrator.
 *
 * One implementation serves both flavours (mdidl_rpc.c, built into the kernel module or the
 * user program); mdidl_platform.h supplies allocation and locks.
 *
 * Two locks per channel. The call lock serializes this side's outgoing calls: only one call chain
 * waits on the peer at a time, so a message that arrives while waiting (the reply, or a call
 * nested inside ours) has one obvious taker. It is recursive for the thread that holds it, since
 * serving a nested call may call out again. The table lock guards the object tables while a
 * message is built or taken apart; it is never held across a wait or an implementation, so the
 * peer's calls can be served meanwhile.
 */
#ifndef MDIDL_RPC_H
#define MDIDL_RPC_H

#include "mdidl_platform.h"
#include "mdidl_transport.h"
#include "mdidl_wire.h"

/* Present-field masks are MDL_MASK_WORDS u64 words: the backends refuse types with more fields. */
#define MDL_MASK_WORDS 4
#define MDL_MAX_FIELDS (64 * MDL_MASK_WORDS)

/* Entries of the peer a table holds at most, unless the integrator says otherwise. */
#define MDL_MAX_PEER_ENTRIES 65536

/* Threads of one side serving the peer at once that the nested flag is tracked for. */
#define MDL_SERVERS 8

/*
 * Message buffers a channel keeps for its next messages once one is done: one per call in flight
 * (a nested chain holds one for each call and each reply), so a steady flow allocates nothing.
 */
#define MDL_SPARE_BUFS 4

/* Trampolines per callback type: peer function pointers of one type held at once. */
#define MDL_TRAMPOLINES 8

/* Generated helpers a given IDL may not use. */
#define MDL_UNUSED __attribute__((unused))

/* Bit 31 of an id: the user side issued it. */
#define MDL_HOME_USER 0x80000000u
/*
 * Bit 30 of an id: a bound function (mdl_chan_bind_function), named by both sides at channel open
 * and never issued. Serials stop below it, so a bound id can never be mistaken for an issued one.
 */
#define MDL_BOUND 0x40000000u
#define MDL_MAX_SERIAL 0x3fffffffu

/* Object entry flags (docs/wire-format.md, "Object section"). */
#define MDL_ENTRY_FREED 0x1u
#define MDL_ENTRY_HANDLE 0x2u
#define MDL_ENTRY_FUNCTION 0x4u

enum mdl_kind {
	MDL_OBJECT,	/* a tracked struct: shadows are copies of it */
	MDL_HANDLE,	/* an opaque pointer or an ops table: only its id crosses */
	MDL_FUNCTION,	/* a callback: calls through it cross */
};

struct mdl_chan;
struct mdl_in;
struct mdl_out;

/* Where one array field of an object lies in memory (the range table's unit). */
struct mdl_span {
	u32 field;
	uintptr_t start;
	size_t bytes;
};

/* A struct that crosses as a tracked object (generated, one per struct of the IDL). */
struct mdl_type_desc {
	u32 id;
	u32 nfields;
	const char *name;
	size_t size;
	/* The fields that may cross: not [skip], not [combolock]. */
	u64 sendable[MDL_MASK_WORDS];
	/* Writes the fields in mask, in field order. */
	int (*put)(struct mdl_out *m, const void *obj, const u64 *mask);
	/*
	 * Reads the fields in mask into staged (a zeroed copy). Counts and discriminants not in the
	 * message come from live, or are unknown (not checked) when live is NULL (a new shadow).
	 */
	int (*get)(struct mdl_in *m, struct mdl_reader *r, void *staged, const void *live,
		   const u64 *mask);
	/* Copies the fields in mask from staged into live ([skip] fields of embedded structs stay). */
	void (*apply)(void *live, const void *staged, const u64 *mask);
	/* Deep selections: mdl_out_child() for every tracked pointer it holds, in field order. */
	int (*children)(struct mdl_out *m, const void *obj);
	/* Interior pointers: the array field and element p points to, if it points into obj. */
	bool (*locate)(const void *obj, const void *p, u32 *field, u32 *index);
	/*
	 * The element `index` (at most the length: one past the end is a valid pointer) of array
	 * field `field`, taken from staged when the message carries that field, else from live;
	 * NULL when there is no such element.
	 */
	void *(*element)(void *live, const void *staged, const u64 *staged_mask, u32 field,
			 u32 index);
	/*
	 * Whether obj points at target through a tracked pointer in one of `fields` (all fields when
	 * fields is NULL, all but those when `others`): a peer may not free an object this side's
	 * objects would still point at. NULL when the type holds no tracked pointer.
	 */
	bool (*points_to)(const void *obj, const u64 *fields, bool others, const void *target);
	/* The arrays obj holds now, at most nspans of them (for the range table). */
	u32 nspans;
	u32 (*spans)(const void *obj, struct mdl_span *out);
	/*
	 * Only this side makes objects of this type; the peer may name them, never make one: this
	 * side's definition carries an area after itself ([trailing], netdev_priv's) that a shadow
	 * of `size` bytes would not have.
	 */
	bool home_only;
	/*
	 * On a side with the kernel's layout (a u-driver built from kbuild's units), the area after
	 * each object where another tracked object lives ([trailing(accessor)]: netdev_priv's): where
	 * the area starts in obj, and the bytes of the object it holds. A shadow of this type is made
	 * with the area after it, as alloc_etherdev makes a net_device, and the area's object is
	 * placed there (mdl_in_area), never allocated on its own. NULL: no area.
	 */
	void *(*area)(void *obj);
	size_t area_size;
};

/* A function this side serves: decodes the arguments, runs the implementation, encodes the reply. */
/*
 * The fields of one type a message may carry for one function (its access set, flattened: a
 * receiver refuses an object entry with any other field, so a peer can only write what the
 * IDL lets that call write).
 */
struct mdl_access {
	u32 type;
	u64 mask[MDL_MASK_WORDS];
	/*
	 * Applies a staged object of this type in place of its desc's apply when the access set
	 * names fields inside an embedded struct: only those are merged (the wire carries the whole
	 * struct, the sender's copy of the rest is not news). NULL: the desc's apply.
	 */
	void (*merge)(void *live, const void *staged, const u64 *mask);
	/*
	 * Kernel side: the byte offsets in the object of the pointer-to-const fields of the
	 * kernel's own structs that lie in an embedded struct outside what `merge` takes.
	 * Such a field is never applied, so it is not refused when it arrives NULL (the sender's
	 * "not sent", see mdl_out_put_with); any other value is a new value for a const field and
	 * is. Fields not listed are refused whenever they arrive.
	 */
	const u32 *unmerged;
	u32 nunmerged;
};

struct mdl_function {
	u32 id;
	const char *name;
	int (*serve)(struct mdl_chan *c, struct mdl_in *in, struct mdl_out *out);
	/* What a call of it may carry (its reads). */
	u32 nreads;
	const struct mdl_access *reads;
};

struct mdl_iface {
	u32 id;
	const char *name;
	u32 nfunctions;
	const struct mdl_function *functions;
	/* The ops table of calling stubs: what an ops handle of the peer's side becomes here. */
	const void *stubs;
};

/* A function-pointer type: calls through a peer's pointer go through a pool of trampolines. */
struct mdl_callback {
	u32 id;
	const char *name;
	u32 nslots;
	void (*const *trampolines)(void);
	/* Serves a call through fn, a local function of this type. */
	int (*serve)(struct mdl_chan *c, struct mdl_in *in, struct mdl_out *out, void (*fn)(void));
};

/* Everything a channel needs to know about one generated module, on one side. */
struct mdl_module {
	const char *name;
	u16 version;
	bool user_side;
	u32 ntypes;
	const struct mdl_type_desc *const *types;
	u32 nifaces;
	const struct mdl_iface *ifaces;
	u32 ncallbacks;
	const struct mdl_callback *callbacks;
};

/* ---- bound functions ---------------------------------------------------------------------- */

/*
 * A kernel function the u-driver names (request_irq(irq, e1000_intr, ...), a callback field it
 * fills): both sides bind it under the same id before the channel carries calls. Sending its
 * pointer sends that id; receiving the id gives this side's pointer: the kernel's real function,
 * the u-driver's placeholder. Bindings are static: they survive mdl_chan_peer_gone.
 */
struct mdl_bound_fn {
	u32 id;
	u32 type;		/* the callback type's IR id, or 0: any callback type */
	void (*fn)(void);	/* NULL for a bound handle */
	const char *name;
	const void *handle;	/* a bound handle (mdl_chan_bind_handle), or NULL */
};

/* One entry of a generated table of bound names (<module>_bound.h). */
struct mdl_bound_name {
	const char *name;
	u32 id;
};

/* ---- object tables ------------------------------------------------------------------------- */

struct mdl_alloc;

struct mdl_entry {
	struct mdl_entry *id_next;
	struct mdl_entry *ptr_next;
	u32 id;
	u32 type;		/* a struct's, interface's or callback's IR id; 0 for void handles */
	u8 kind;		/* enum mdl_kind */
	bool own;		/* this side issued the id */
	bool token;		/* ptr is a token this table allocated for a peer handle */
	bool inner;		/* ptr is the area of another shadow (mdl_in_area): never freed alone */
	u8 msg_flags;		/* while a message is decoded: MDL_SEEN, MDL_DYING (mdidl_rpc.c) */
	u32 slot;		/* peer functions: callback index * slots + trampoline slot, + 1 */
	u32 stage;		/* while a message is decoded: its staging index + 1, or 0 */
	void *ptr;		/* the local object or value, or the shadow or token */
	void (*fn)(void);	/* functions: the local function, or the trampoline */
	const struct mdl_type_desc *desc;	/* objects */
	struct mdl_alloc *owned;	/* buffers mdidl allocated for this object's fields */
	struct mdl_entry *touched_next;	/* the message's list of entries it flagged */
	u32 nranges;		/* its arrays in the channel's range table */
};

/* One array of a tabled object: [start, end] (end is one past the last element). */
struct mdl_range {
	uintptr_t start;
	uintptr_t end;
	struct mdl_entry *e;
};

struct mdl_objtab {
	struct mdl_entry **by_id;
	struct mdl_entry **by_ptr;
	u32 nbuckets;		/* a power of two */
	u32 count;
};

/* ---- the channel --------------------------------------------------------------------------- */

struct mdl_chan {
	const struct mdl_module *mod;
	struct mdl_transport *tr;
	struct mdl_objtab tab;
	struct mdl_entry *retired;	/* entries of a peer that went away (mdl_chan_peer_gone) */
	u32 home;		/* 0 or MDL_HOME_USER: the home bit of ids this side issues */
	u32 next_serial;
	u32 next_call_id;
	u32 max_payload;
	/*
	 * The most entries the peer may have in this side's table (shadows, tokens, trampolines),
	 * so a hostile peer cannot make this side allocate without bound. Set after init; the
	 * default is MDL_MAX_PEER_ENTRIES.
	 */
	u32 max_peer_entries;
	u32 peer_entries;
	/* Ids (and their type ids) of objects this side forgot: the next message frees them. */
	u32 *frees;
	u32 nfrees, frees_cap;
	/*
	 * The range table: arrays of tabled objects sorted by address, refreshed whenever an object
	 * crosses, so an interior pointer finds its owner by binary search. The driver may move an
	 * array between crossings, so every hit is confirmed by the type's locate().
	 */
	struct mdl_range *ranges;
	u32 nranges, ranges_cap;
	/* Per callback type, per slot: the peer function id the trampoline calls (0: free). */
	u32 *slot_ids;
	/* Bound functions (mdl_chan_bind_function), in binding order; fixed once calls flow. */
	struct mdl_bound_fn *bound;
	u32 nbound, bound_cap;
	/*
	 * Spare message buffers (max_payload + header bytes, never zeroed: a message is sent only up
	 * to what its writer wrote, and the writer writes every byte it passes, padding included).
	 * Guarded by buf_lock, a leaf lock held for nothing else.
	 */
	void *spare[MDL_SPARE_BUFS];
	u32 nspare;
	mdl_mutex_t buf_lock;
	/*
	 * The reply buffer of one served call at a time, so that serving takes no buffer lock: a
	 * serve takes it under the table lock (which it holds then anyway) when serve_busy is 0 and
	 * sets that, and clears it with a release store, no lock, once its reply is sent; a serve
	 * that finds it busy (a concurrent or nested one) takes a spare. Allocated on first use.
	 */
	void *serve_buf;
	u32 serve_busy;
	/*
	 * The buffer of the outermost call between two calls: owned by whoever holds the call lock,
	 * so the call path (call, then its reply in the same buffer) takes no other lock for it.
	 */
	void *call_buf;
	mdl_mutex_t call_lock;
	mdl_mutex_t tab_lock;
	mdl_thread_t call_owner;
	bool call_owned;
	u32 call_depth;
	/*
	 * Threads serving a call of the peer (and how deep): a call such a thread makes is nested
	 * in the one it serves, and says so in its header. Guarded by the table lock.
	 */
	struct {
		mdl_thread_t thread;
		u32 depth;
	} servers[MDL_SERVERS];
	u32 nserving;		/* servers[] slots in use: none, and no call is nested */
	int last_error;		/* the last failure of a stub that could not return it */
	/* Calls made (by the call lock's holder), calls served and failures (under the table lock). */
	u64 calls, served, errors;
};

/* Sets up a channel for mod over tr; max_payload 0 means MDL_MAX_PAYLOAD_DEFAULT. */
int mdl_chan_init(struct mdl_chan *c, const struct mdl_module *mod, struct mdl_transport *tr,
		  u32 max_payload);
/* Frees the tables, shadows and buffers. No call may be in flight. */
void mdl_chan_destroy(struct mdl_chan *c);
/*
 * Serves one call of the peer (msg, len: the whole message) and sends the reply or an error
 * reply. Returns 0 when a reply was sent, the negative errno sent in an error reply, or the
 * transport's error.
 */
int mdl_chan_serve(struct mdl_chan *c, const void *msg, size_t len);
/* Receives and serves calls until the transport fails (its error is returned: -ESHUTDOWN when the peer left). */
int mdl_chan_run(struct mdl_chan *c, void *buf, size_t cap);
/*
 * Forgets a local object this side sent (it is being freed): drops it from the table, frees the
 * buffers mdidl allocated for its pointer fields (read obj no more), and tells the peer with the
 * next message, so the peer frees its shadow (the peer refuses that message if its objects still
 * point at the shadow). Returns 0, -ENOENT when it never crossed, -EPERM for a shadow.
 */
int mdl_chan_forget(struct mdl_chan *c, const void *obj, u32 type);
/*
 * The peer is gone (the u-driver closed the device, crashed, or is restarting): every id either
 * side issued is forgotten, so a new peer starts from an empty table and can name nothing the old
 * one was given. What the table allocated (shadows, tokens, field buffers) stays allocated until
 * mdl_chan_destroy, since local objects may still point at it; a trampoline of the old peer's
 * functions fails its calls with -ENOENT.
 */
void mdl_chan_peer_gone(struct mdl_chan *c);
/*
 * The wire id of a bound function: MDL_BOUND | the 32-bit FNV-1a hash of its name folded into bits
 * 0-29 (home bit 0: the functions are the kernel's). Both sides compute it from the name alone.
 */
u32 mdl_bound_id(const char *name);
/*
 * Binds fn under id (which must be mdl_bound_id(name)) for callback type `type` (0: any). Call it
 * before the channel carries calls. -EINVAL: a NULL fn or name, or a wrong id; -EEXIST: the id
 * (two names with one hash) or fn is bound already.
 */
int mdl_chan_bind_function(struct mdl_chan *c, u32 type, u32 id, void (*fn)(void),
			   const char *name);
/* Binds fns[i] as names[i] for i < n, any callback type: all of them, or none (the error). */
int mdl_chan_bind_functions(struct mdl_chan *c, const struct mdl_bound_name *names,
			    void (*const *fns)(void), u32 n);
/*
 * A bound handle: an opaque pointer each side has its own of, named by one id (a device's BAR
 * mapping: the u-driver's mmap of it, the k-driver's ioremap), so a register pointer the u-driver
 * stores in an object reaches the kernel as the kernel's mapping, never as a token. Sending p
 * sends the id; receiving the id as an opaque handle gives this side's p. Unlike functions a
 * handle is bound while it exists: unbind it before the mapping goes. -EINVAL: NULL p or name, a
 * wrong id; -EEXIST: the id or p is bound already; mdl_chan_unbind_handle: -ENOENT.
 */
int mdl_chan_bind_handle(struct mdl_chan *c, u32 id, const void *p, const char *name);
int mdl_chan_unbind_handle(struct mdl_chan *c, u32 id);
#ifndef __KERNEL__
/*
 * The u-driver's placeholder of a bound kernel function ends here when user code calls it: it
 * runs only in the kernel. Says so, naming the function, and aborts.
 */
__attribute__((noreturn)) void mdl_bound_called(const char *name);
#endif
/* The id of a local object, or 0 when it has none (tests and logs). */
u32 mdl_chan_id_of(struct mdl_chan *c, const void *obj, u32 type);
/* Live entries of the table (tests, leak checks). */
u32 mdl_chan_entries(struct mdl_chan *c);

/* ---- outgoing messages (the generated stubs' side) ----------------------------------------- */

struct mdl_out_obj {
	const void *ptr;
	const struct mdl_type_desc *desc;
	/* Writes the object's fields in place of desc->put (NULL: desc->put); see mdl_out_put_with. */
	int (*put)(struct mdl_out *m, const void *obj, const u64 *mask);
	u32 id;
	bool all;
	u64 mask[MDL_MASK_WORDS];
	u32 hash_next;		/* index + 1 of the next object in this hash chain; 0 ends */
};

struct mdl_out {
	struct mdl_chan *c;
	struct mdl_writer w;
	u8 *buf;
	size_t header_at;
	struct mdl_out_obj *objs;
	u32 nobjs, objs_cap;
	u32 *hash;		/* index + 1 of the first object per bucket */
	u32 nhash;
	/* the deep walk's stack of pending children */
	struct mdl_kid {
		const void *obj;
		const struct mdl_type_desc *desc;
	} *kids;
	u32 *frame_end;
	u32 nkids, kids_cap, nframes, frames_cap;
	u32 frees;		/* free entries written */
	/* Calls: what the reply may carry (the function's writes), set by the stub. */
	const struct mdl_access *replies;
	u32 nreplies;
	bool objects_written;
	bool locked;		/* holds the channel's table lock */
	bool serve_buf;		/* buf is the channel's serve_buf */
};

static inline bool mdl_bit(const u64 *mask, u32 i)
{
	return (mask[i / 64] >> (i % 64)) & 1;
}

static inline void mdl_set_bit(u64 *mask, u32 i)
{
	mask[i / 64] |= (u64)1 << (i % 64);
}

/* out = the bits of mask in [lo, hi): a put of one run of an object's fields. */
static inline void mdl_mask_range(u64 *out, const u64 *mask, u32 lo, u32 hi)
{
	u32 i;

	for (i = 0; i < MDL_MASK_WORDS; i++)
		out[i] = 0;
	for (i = lo; i < hi && i < MDL_MAX_FIELDS; i++)
		if (mdl_bit(mask, i))
			mdl_set_bit(out, i);
}

/*
 * Adds obj to the message's object section (issuing its id if it has none) and widens its
 * field selection: all (every sendable field) when `all`; with `deep`, an object already
 * sent whole is not walked again. *index is the object's place, for mdl_out_mark; *walk tells
 * the caller whether to go on into the object's pointers.
 */
int mdl_out_select(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d, bool all,
		   bool deep, u32 *index, bool *walk);
static inline void mdl_out_mark(struct mdl_out *m, u32 index, u32 field)
{
	mdl_set_bit(m->objs[index].mask, field);
}
/*
 * The object at index is written by put instead of its desc's put: the function's access set
 * merges an embedded struct of it only in part, and put sends NULL for the pointers of that
 * struct the receiver will not merge (the wire still carries the whole value).
 */
static inline void mdl_out_put_with(struct mdl_out *m, u32 index,
				    int (*put)(struct mdl_out *m, const void *obj, const u64 *mask))
{
	m->objs[index].put = put;
}
/* A deep selection from obj: everything reachable, walked without recursion. */
int mdl_out_deep(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d);
/* From a desc's children(): one more tracked pointer of the object being walked. */
int mdl_out_child(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d);
/* Issues an id for obj without sending its fields (a pointer the selection does not enter). */
int mdl_out_touch(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d);
/* Writes the object section (frees first, then the selected objects); once per message. */
int mdl_out_objects(struct mdl_out *m);

/* Values that are ids. `nonnull` refuses NULL ([ref]). */
int mdl_out_ref(struct mdl_out *m, const void *obj, const struct mdl_type_desc *d, bool nonnull);
int mdl_out_handle(struct mdl_out *m, const void *p, u32 type, bool nonnull);
int mdl_out_function(struct mdl_out *m, void (*fn)(void), u32 type, bool nonnull);
int mdl_out_interior(struct mdl_out *m, const void *p, bool nonnull);
int mdl_out_container(struct mdl_out *m, const void *p, const struct mdl_type_desc *d,
		      size_t offset, bool nonnull);
/*
 * A [container(T, a | b | ...)] pointer: T's id, then the index of the member p is. offs[i] is
 * member i's offset in T; the first i whose T at p - offs[i] the object tables know wins.
 */
int mdl_out_container_choice(struct mdl_out *m, const void *p, const struct mdl_type_desc *d,
			     const size_t *offs, u32 n, bool nonnull);
/* A [string] char array: the bytes up to the NUL, then zeros; the NUL must be within n. */
int mdl_out_char_array(struct mdl_out *m, const char *a, size_t n);
/* A failure the encoder found itself (a count that disagrees with its array, say). */
int mdl_out_fail(struct mdl_out *m, const char *msg, int err);

/* ---- incoming messages --------------------------------------------------------------------- */

struct mdl_alloc;

struct mdl_stage {
	struct mdl_entry *entry;	/* the live object's entry (pending for a new shadow) */
	void *staged;
	u64 mask[MDL_MASK_WORDS];
	void (*merge)(void *live, const void *staged, const u64 *mask);	/* NULL: desc->apply */
};

struct mdl_in {
	struct mdl_chan *c;
	struct mdl_reader r;
	struct mdl_header h;
	const void *msg;
	size_t len;
	struct mdl_objtab pending;	/* new peer ids: shadows, tokens, trampolines */
	struct mdl_entry *touched;	/* entries flagged by this message */
	struct mdl_stage *stage;
	u32 nstage, stage_cap;
	struct mdl_alloc *allocs;	/* what decoding allocated and nobody adopted yet */
	struct mdl_entry *owner;	/* the object the next allocation belongs to (NULL: the call) */
	const struct mdl_access *allowed;	/* the fields object entries may carry */
	u32 nallowed;
	/* The object entry being decoded: its staged copy and its access set's entry (or NULL). */
	const void *decoding;
	size_t decoding_size;
	const struct mdl_access *decoding_access;
	u32 owner_field;
	bool committed;
	bool locked;		/* holds the channel's table lock */
};

/* Decodes the object section into staging: nothing live changes until mdl_in_end(). */
int mdl_in_objects(struct mdl_in *m);
/* The payload was read to its end: applies the staged objects, shadows and frees. */
int mdl_in_end(struct mdl_in *m);
/* A zeroed buffer of n bytes that belongs to the message (or, once applied, to its object). */
void *mdl_in_alloc(struct mdl_in *m, size_t n);
/* From a desc's get(): what decoding allocates from here on belongs to field `field`. */
static inline void mdl_in_field(struct mdl_in *m, u32 field)
{
	m->owner_field = field;
}
int mdl_in_fail(struct mdl_in *m, struct mdl_reader *r, const char *msg);
/*
 * From a desc's get(): whether the pointer-to-const field at p lies in the object entry being
 * decoded, at an offset its access set leaves out of the merge (mdl_access.unmerged). Such a
 * field is decoded and must be NULL; any other is refused.
 */
bool mdl_in_unmerged(const struct mdl_in *m, const void *p);

int mdl_in_ref(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
	       bool nonnull, void **obj);
/*
 * A [trailing] area's object, read from inside its owner's get(): the id must name the object in
 * the owner's area (desc->area); a new one is placed there, not allocated.
 */
int mdl_in_area(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
		bool nonnull, void **obj);
int mdl_in_handle(struct mdl_in *m, struct mdl_reader *r, u32 type, bool ops, bool nonnull,
		  void **p);
int mdl_in_function(struct mdl_in *m, struct mdl_reader *r, u32 type, bool nonnull,
		    void (**fn)(void));
int mdl_in_interior(struct mdl_in *m, struct mdl_reader *r, bool nonnull, void **p);
int mdl_in_container(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
		     size_t offset, bool nonnull, void **p);
/* A [container(T, a | b | ...)] pointer: T's object plus offs[index]; index < n. */
int mdl_in_container_choice(struct mdl_in *m, struct mdl_reader *r, const struct mdl_type_desc *d,
			    const size_t *offs, u32 n, bool nonnull, void **p);
/* A [string]: a buffer of at least cap bytes (cap 0: the length + 1) holding it; NULL for NULL. */
int mdl_in_string(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t cap, bool nonnull,
		  char **s);
/* A [string] char array of n bytes: NUL-terminated within n. */
int mdl_in_char_array(struct mdl_in *m, struct mdl_reader *r, char *a, size_t n);
/*
 * The head of a counted array: *count elements (MDL_NULL for NULL) of wire size at least
 * elem_wire; `want` is the count its expression gives (negative: unknown), which must agree.
 * *items gets a zeroed buffer of count * elem_size bytes (at least cap elements).
 */
int mdl_in_counted(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t elem_wire,
		   size_t elem_size, s64 want, bool nonnull, u32 *count, void **items);
/*
 * A counted array of one-byte elements that the callee only reads (an [in] parameter to const):
 * the same head and checks as mdl_in_counted, but *items points at the elements inside the
 * received message rather than at a copy. Only for a served call's parameters: the message stays
 * unchanged until mdl_chan_serve returns (docs/c-api.md, "Arrays the implementation receives"),
 * so the pointer is good for as long as the implementation runs, as a copy would be.
 */
int mdl_in_counted_view(struct mdl_in *m, struct mdl_reader *r, u32 max, s64 want, bool nonnull,
			u32 *count, const void **items);
/*
 * An [out] array, which its call carries as the count alone: the same head and checks as
 * mdl_in_counted, no elements read, and *items gets count zeroed elements (NULL pointers, zero
 * numbers) for the implementation to fill. The count is refused when the reply could not carry
 * the elements back.
 */
int mdl_in_counted_out(struct mdl_in *m, struct mdl_reader *r, u32 max, size_t elem_wire,
		       size_t elem_size, s64 want, bool nonnull, u32 *count, void **items);
/* A `value` pointer: u32 0 or 1, then (when 1) *p gets a zeroed element of elem_size bytes. */
int mdl_in_box(struct mdl_in *m, struct mdl_reader *r, size_t elem_size, bool nonnull, void **p);

/* ---- calls ----------------------------------------------------------------------------------- */

/*
 * The call lock, taken ahead of a call by a caller that must not wait behind another thread's call
 * in flight: a work item's upcall, since that call's downcalls may be waiting for the very work
 * item (cancel_work_sync). True if taken (this thread may hold it already: the calls made meanwhile
 * nest in it); false, taking nothing, if another thread holds it. mdl_call_release gives it back.
 */
bool mdl_call_trylock(struct mdl_chan *c);
void mdl_call_release(struct mdl_chan *c);

/* Starts a call of function fn of interface iface: takes the call lock, sets up the message. */
int mdl_call_begin(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in, u32 iface,
		   u32 fn);
/*
 * Sends the call and waits for its reply, serving calls nested in it meanwhile. On success
 * `in` is at the reply's payload with its object section staged (mdl_in_end() applies it).
 * An error reply returns its code, negated.
 */
int mdl_call_send(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in);
/* Ends a call: frees the messages, drops what was staged unless applied, releases the lock. */
void mdl_call_end(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in);

/* In a served function, after the implementation ran: the reply's encoding starts. */
int mdl_reply_start(struct mdl_out *out);
/* A value decoding allocated that the caller keeps (a returned string): release with mdl_release. */
void *mdl_in_keep(struct mdl_in *m, void *p);
void mdl_release(void *p);

/* Trampolines: the peer function id behind slot `slot` of callback type index `cb`. */
u32 mdl_chan_slot(struct mdl_chan *c, u32 cb, u32 slot);
/* A call through a peer's function pointer: starts the message. */
int mdl_call_begin_fn(struct mdl_chan *c, struct mdl_out *out, struct mdl_in *in, u32 type,
		      u32 fn_id);

#endif /* MDIDL_RPC_H */
