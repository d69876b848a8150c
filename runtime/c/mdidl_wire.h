/* SPDX-License-Identifier: MIT */
/*
 * mdidl_wire.h - the byte format of docs/wire-format.md (version 1) in C: a bounds-checked
 * reader, a fixed-capacity writer, the 32-byte message header and the error-reply payload.
 *
 * The reference is the TypeScript runtime (runtime/ts/wire-reader.ts, wire-writer.ts,
 * header.ts): the same bytes are produced and accepted, the same checks made in the same order,
 * and the same byte offsets reported, so a diagnostic from either side points at the same byte.
 * test/c/ holds the proof (shared vectors, hostile inputs compared with the TypeScript decoder).
 *
 * Rules every function here keeps, because the kernel side decodes what a hostile or crashed
 * u-driver sent:
 *  - it returns 0 or a negative errno: -EPROTO for malformed input (or a value the format cannot
 *    carry), -EMSGSIZE when the writer is full, -EINVAL for a caller bug (a reader or writer
 *    whose position lies past its end, a destination smaller than the declared max);
 *  - on failure it records the offending byte offset (from the message start) and a static
 *    reason in the reader or writer, and leaves the position and every output untouched,
 *    except that a failed string read leaves an empty string in the destination;
 *  - nothing reads or writes outside [buf, buf + len) whatever the bytes say: every length is
 *    compared with what is left before it is used, in an order that cannot overflow;
 *  - no allocation, no libc beyond the freestanding headers: callers own every buffer.
 *
 * Multi-byte values are assembled byte by byte in both flavours: there is no alignment
 * requirement on the buffer, no endianness #ifdef, and the code path the sanitizer tests run
 * is the one the kernel runs. gcc folds the shifts into single loads on x86.
 *
 * Alignment is relative to buf, which must therefore be where the message (its header) begins;
 * a reader for a value sequence alone (no header) simply starts at its first value.
 *
 * The reader assumes the bytes do not change while it runs: a transport over memory the peer
 * can still write copies each message out first (as runtime/ts/mailbox.ts does). Strings are
 * copied before they are checked all the same, as the format asks.
 */
#ifndef MDIDL_WIRE_H
#define MDIDL_WIRE_H

#include "mdidl_types.h"

/* ---- constants of docs/wire-format.md ------------------------------------------------------ */

/* "MDL1" (4D 44 4C 31) read as a little-endian u32. */
#define MDL_MAGIC 0x314c444du
#define MDL_WIRE_VERSION 1u
#define MDL_HEADER_SIZE 32u
/* The transport's default payload limit (the header not included). */
#define MDL_MAX_PAYLOAD_DEFAULT (1u << 20)
/* The smallest object entry (its 16-byte header alone): bounds a plausible object count. */
#define MDL_MIN_OBJECT_ENTRY 16u
/* The u32 length or count that stands for a NULL string or counted pointer. */
#define MDL_NULL 0xffffffffu
/* The [max] of a string declared without one. */
#define MDL_STRING_MAX_DEFAULT 65535u

#define MDL_KIND_CALL 1u
#define MDL_KIND_REPLY 2u
#define MDL_KIND_ERROR 3u

/* Header flag bit 0: a call nested inside a call the receiver is waiting on (calls only). */
#define MDL_FLAG_NESTED 0x01u

#define MDL_HEADER_PAYLOAD_LENGTH_AT 24u
#define MDL_HEADER_OBJECT_COUNT_AT 28u

/*
 * Error-reply codes are Linux errno numbers on the wire whatever the local system uses, so they
 * get their own names rather than EIO and friends.
 */
#define MDL_WIRE_EIO 5u
#define MDL_WIRE_EINVAL 22u
#define MDL_WIRE_ENOSYS 38u
#define MDL_WIRE_EPROTO 71u
#define MDL_WIRE_ESHUTDOWN 108u
#define MDL_WIRE_ETIMEDOUT 110u

/* ---- little-endian loads and stores ------------------------------------------------------- */

static inline u16 mdl_load_le16(const u8 *p)
{
	return (u16)((u16)p[0] | (u16)((u16)p[1] << 8));
}

static inline u32 mdl_load_le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

static inline u64 mdl_load_le64(const u8 *p)
{
	return (u64)mdl_load_le32(p) | ((u64)mdl_load_le32(p + 4) << 32);
}

static inline void mdl_store_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void mdl_store_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static inline void mdl_store_le64(u8 *p, u64 v)
{
	mdl_store_le32(p, (u32)v);
	mdl_store_le32(p + 4, (u32)(v >> 32));
}

/* ---- UTF-8 (error-reply messages) --------------------------------------------------------- */

/*
 * A streaming validator, so a message is checked in the same single pass that copies it. It
 * accepts exactly what a fatal WHATWG decoder (the TypeScript side's TextDecoder) accepts:
 * no overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut short.
 */
struct mdl_utf8 {
	u8 need;	/* continuation bytes still expected */
	u8 lo, hi;	/* the range the next continuation byte must fall in */
};

static inline void mdl_utf8_init(struct mdl_utf8 *s)
{
	s->need = 0;
	s->lo = 0x80;
	s->hi = 0xbf;
}

/* 0 if c may follow what came before, -EPROTO if not (the state is then meaningless). */
static inline int mdl_utf8_step(struct mdl_utf8 *s, u8 c)
{
	if (s->need) {
		if (c < s->lo || c > s->hi)
			return -EPROTO;
		s->need--;
		s->lo = 0x80;
		s->hi = 0xbf;
		return 0;
	}
	if (c < 0x80)
		return 0;
	if (c >= 0xc2 && c <= 0xdf) {
		s->need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		s->need = 2;
		if (c == 0xe0)
			s->lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			s->hi = 0x9f;	/* surrogates U+D800..U+DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		s->need = 3;
		if (c == 0xf0)
			s->lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			s->hi = 0x8f;	/* above U+10FFFF */
	} else {
		return -EPROTO;
	}
	return 0;
}

/* True between code points: nothing is left half-decoded. */
static inline bool mdl_utf8_complete(const struct mdl_utf8 *s)
{
	return s->need == 0;
}

/* ---- reader -------------------------------------------------------------------------------- */

struct mdl_reader {
	const u8 *buf;		/* the message; alignment and offsets count from here */
	size_t len;		/* bytes readable from buf */
	size_t pos;		/* offset of the next read */
	size_t err_off;		/* after a failure: the offending byte (may equal len) */
	const char *err_msg;	/* after a failure: why, a static string */
};

static inline void mdl_reader_init(struct mdl_reader *r, const void *buf, size_t len)
{
	r->buf = (const u8 *)buf;
	r->len = len;
	r->pos = 0;
	r->err_off = 0;
	r->err_msg = NULL;
}

static inline size_t mdl_remaining(const struct mdl_reader *r)
{
	return r->pos <= r->len ? r->len - r->pos : 0;
}

static inline int mdl__rfail(struct mdl_reader *r, size_t off, const char *msg, int err)
{
	r->err_off = off;
	r->err_msg = msg;
	return err;
}

static inline int mdl__rbad(struct mdl_reader *r, size_t off, const char *msg)
{
	return mdl__rfail(r, off, msg, -EPROTO);
}

/* A position past the end can only come from a caller that edited the struct. */
static inline int mdl__rsane(struct mdl_reader *r)
{
	if (r->pos > r->len)
		return mdl__rfail(r, r->len, "reader position past its end", -EINVAL);
	return 0;
}

/*
 * Finds where a naturally aligned value of `size` bytes (1, 2, 4, 8) starts and checks it fits;
 * does not move. Out of room, the offset reported is where the value would start, or the end
 * when the padding alone runs past it (as the TypeScript reader reports).
 */
static inline int mdl__rslot(struct mdl_reader *r, size_t size, size_t *at)
{
	size_t pad;
	int err = mdl__rsane(r);

	if (err)
		return err;
	pad = (0 - r->pos) & (size - 1);
	if (pad > r->len - r->pos)
		return mdl__rbad(r, r->len, "truncated: value runs past the end");
	if (size > r->len - r->pos - pad)
		return mdl__rbad(r, r->pos + pad, "truncated: value runs past the end");
	*at = r->pos + pad;
	return 0;
}

/* Skips padding to a multiple of n (1, 2, 4 or 8): content ignored, presence required. */
static inline int mdl_get_align(struct mdl_reader *r, size_t n)
{
	size_t pad;
	int err = mdl__rsane(r);

	if (err)
		return err;
	pad = (0 - r->pos) & (n - 1);
	if (pad > r->len - r->pos)
		return mdl__rbad(r, r->pos, "truncated: padding runs past the end");
	r->pos += pad;
	return 0;
}

static inline int mdl_get_u8(struct mdl_reader *r, u8 *v)
{
	size_t at;
	int err = mdl__rslot(r, 1, &at);

	if (err)
		return err;
	*v = r->buf[at];
	r->pos = at + 1;
	return 0;
}

static inline int mdl_get_u16(struct mdl_reader *r, u16 *v)
{
	size_t at;
	int err = mdl__rslot(r, 2, &at);

	if (err)
		return err;
	*v = mdl_load_le16(r->buf + at);
	r->pos = at + 2;
	return 0;
}

static inline int mdl_get_u32(struct mdl_reader *r, u32 *v)
{
	size_t at;
	int err = mdl__rslot(r, 4, &at);

	if (err)
		return err;
	*v = mdl_load_le32(r->buf + at);
	r->pos = at + 4;
	return 0;
}

static inline int mdl_get_u64(struct mdl_reader *r, u64 *v)
{
	size_t at;
	int err = mdl__rslot(r, 8, &at);

	if (err)
		return err;
	*v = mdl_load_le64(r->buf + at);
	r->pos = at + 8;
	return 0;
}

/* Two's complement on the wire; the conversions below are gcc's (and the kernel's) modulo ones. */
static inline int mdl_get_s8(struct mdl_reader *r, s8 *v)
{
	u8 u;
	int err = mdl_get_u8(r, &u);

	if (!err)
		*v = (s8)u;
	return err;
}

static inline int mdl_get_s16(struct mdl_reader *r, s16 *v)
{
	u16 u;
	int err = mdl_get_u16(r, &u);

	if (!err)
		*v = (s16)u;
	return err;
}

static inline int mdl_get_s32(struct mdl_reader *r, s32 *v)
{
	u32 u;
	int err = mdl_get_u32(r, &u);

	if (!err)
		*v = (s32)u;
	return err;
}

static inline int mdl_get_s64(struct mdl_reader *r, s64 *v)
{
	u64 u;
	int err = mdl_get_u64(r, &u);

	if (!err)
		*v = (s64)u;
	return err;
}

/* A bool byte other than 0 or 1 is an error: storing it in a _Bool would be undefined. */
static inline int mdl_get_bool(struct mdl_reader *r, bool *v)
{
	size_t at;
	u8 b;
	int err = mdl__rslot(r, 1, &at);

	if (err)
		return err;
	b = r->buf[at];
	if (b > 1)
		return mdl__rbad(r, at, "bool is neither 0 nor 1");
	*v = b == 1;
	r->pos = at + 1;
	return 0;
}

/* A C char as the byte it holds. */
static inline int mdl_get_char(struct mdl_reader *r, char *v)
{
	u8 u;
	int err = mdl_get_u8(r, &u);

	if (!err)
		*v = (char)u;
	return err;
}

/* n raw bytes, unaligned (the elements of a u8 or char array), copied into dst. */
static inline int mdl_get_bytes(struct mdl_reader *r, void *dst, size_t n)
{
	u8 *d = (u8 *)dst;
	int err = mdl__rsane(r);

	if (err)
		return err;
	if (n > r->len - r->pos)
		return mdl__rbad(r, r->pos, "truncated: bytes run past the end");
	/* The builtin, not a byte loop: the loop reloaded r->buf per byte and ran at 2 ns a byte. */
	if (n)
		__builtin_memcpy(d, r->buf + r->pos, n);
	r->pos += n;
	return 0;
}

/*
 * A [string]: u32 length (MDL_NULL for NULL), the bytes, a NUL, padding to 4. Checks
 * length <= max, the bytes and the NUL present, no NUL inside, the padding present; the bytes
 * are copied into dst (NUL-terminated) before they are checked. dst must hold max + 1 bytes,
 * so whether a call can succeed never depends on the caller's buffer. *len gets the length,
 * or MDL_NULL for a NULL string (dst is then the empty string).
 */
static inline int mdl_get_string(struct mdl_reader *r, char *dst, size_t dst_size, u32 max,
				 u32 *len)
{
	size_t at, start, i, end;
	u32 n;
	int err = mdl__rsane(r);

	if (err)
		return err;
	if (dst_size)
		dst[0] = '\0';
	if (dst_size == 0 || dst_size - 1 < max)
		return mdl__rfail(r, r->pos, "string destination smaller than max + 1", -EINVAL);
	err = mdl__rslot(r, 4, &at);
	if (err)
		return err;
	n = mdl_load_le32(r->buf + at);
	if (n == MDL_NULL) {
		r->pos = at + 4;
		*len = MDL_NULL;
		return 0;
	}
	if (n > max)
		return mdl__rbad(r, at, "string length exceeds its max");
	start = at + 4;
	/* n < dst_size <= SIZE_MAX, so n + 1 cannot wrap. */
	if ((size_t)n + 1 > r->len - start)
		return mdl__rbad(r, start, "truncated: string and its NUL run past the end");
	for (i = 0; i <= n; i++)
		dst[i] = (char)r->buf[start + i];
	if (dst[n] != '\0') {
		dst[0] = '\0';
		return mdl__rbad(r, start + n, "string is not NUL-terminated");
	}
	for (i = 0; i < n; i++) {
		if (dst[i] == '\0') {
			dst[0] = '\0';
			return mdl__rbad(r, start + i, "string has a NUL inside");
		}
	}
	end = start + n + 1;
	if (((0 - end) & 3) > r->len - end) {
		dst[0] = '\0';
		return mdl__rbad(r, end, "truncated: padding runs past the end");
	}
	r->pos = end + ((0 - end) & 3);
	*len = n;
	return 0;
}

/*
 * The head of a counted value: u32 count (MDL_NULL for NULL), padding to 8 (always present).
 * Checks count <= max and that count elements of elem_size bytes (the element's wire size, or a
 * lower bound of it) fit in what is left, so a forged count cannot make the caller allocate or
 * loop beyond the bytes actually received. The caller then reads the *count elements.
 */
static inline int mdl_get_counted(struct mdl_reader *r, u32 max, size_t elem_size, u32 *count)
{
	size_t at, end, pad, left;
	u32 n;
	int err = mdl__rslot(r, 4, &at);

	if (err)
		return err;
	n = mdl_load_le32(r->buf + at);
	end = at + 4;
	pad = (0 - end) & 7;
	if (pad > r->len - end)
		return mdl__rbad(r, end, "truncated: padding runs past the end");
	if (n != MDL_NULL) {
		if (n > max)
			return mdl__rbad(r, at, "element count exceeds its max");
		left = r->len - end - pad;
		/* Bytes need no division: a 64-bit divide was most of a byte array's head. */
		if (elem_size == 1 ? n > left : elem_size != 0 && n > left / elem_size)
			return mdl__rbad(r, at, "element count needs more bytes than are left");
	}
	r->pos = end + pad;
	*count = n;
	return 0;
}

/*
 * A reader over the next n bytes (an object entry's data), which r then skips. The sub-reader
 * shares r's buffer start, so its offsets and alignment stay those of the message. sub may be
 * r itself, which then narrows to those bytes.
 */
static inline int mdl_get_sub(struct mdl_reader *r, size_t n, struct mdl_reader *sub)
{
	size_t start;
	int err = mdl__rsane(r);

	if (err)
		return err;
	if (n > r->len - r->pos)
		return mdl__rbad(r, r->pos, "truncated: sub-range runs past the end");
	start = r->pos;
	r->pos = start + n;
	sub->buf = r->buf;
	sub->len = start + n;
	sub->pos = start;
	sub->err_off = 0;
	sub->err_msg = NULL;
	return 0;
}

/* Fails unless every byte was consumed. */
static inline int mdl_expect_end(struct mdl_reader *r)
{
	int err = mdl__rsane(r);

	if (err)
		return err;
	if (r->pos != r->len)
		return mdl__rbad(r, r->pos, "bytes left over after the last value");
	return 0;
}

/* ---- writer -------------------------------------------------------------------------------- */

struct mdl_writer {
	u8 *buf;		/* the message; alignment and offsets count from here */
	size_t cap;		/* bytes writable from buf */
	size_t pos;		/* bytes written so far */
	size_t err_off;		/* after a failure: where the value would have gone */
	const char *err_msg;	/* after a failure: why, a static string */
};

static inline void mdl_writer_init(struct mdl_writer *w, void *buf, size_t cap)
{
	w->buf = (u8 *)buf;
	w->cap = cap;
	w->pos = 0;
	w->err_off = 0;
	w->err_msg = NULL;
}

static inline int mdl__wfail(struct mdl_writer *w, size_t off, const char *msg, int err)
{
	w->err_off = off;
	w->err_msg = msg;
	return err;
}

static inline int mdl__wsane(struct mdl_writer *w)
{
	if (w->pos > w->cap)
		return mdl__wfail(w, w->cap, "writer position past its end", -EINVAL);
	return 0;
}

/*
 * Checks room for `pad` zero bytes and then `size` more; pos is left alone, so a failed put
 * writes nothing.
 */
static inline int mdl__wroom(struct mdl_writer *w, size_t pad, size_t size)
{
	int err = mdl__wsane(w);

	if (err)
		return err;
	if (pad > w->cap - w->pos || size > w->cap - w->pos - pad)
		return mdl__wfail(w, w->pos, "message too large for the writer", -EMSGSIZE);
	return 0;
}

static inline void mdl__wzero(struct mdl_writer *w, size_t n)
{
	size_t i;

	/* Padding is zero on send even when the buffer still holds an older message. */
	for (i = 0; i < n; i++)
		w->buf[w->pos + i] = 0;
	w->pos += n;
}

/* Pads with zeros to a multiple of n (1, 2, 4 or 8). */
static inline int mdl_put_align(struct mdl_writer *w, size_t n)
{
	size_t pad;
	int err = mdl__wsane(w);

	if (err)
		return err;
	pad = (0 - w->pos) & (n - 1);
	err = mdl__wroom(w, pad, 0);
	if (err)
		return err;
	mdl__wzero(w, pad);
	return 0;
}

/* Aligns to size and returns where the value goes, or a negative errno with nothing written. */
static inline int mdl__wslot(struct mdl_writer *w, size_t size, u8 **p)
{
	size_t pad;
	int err = mdl__wsane(w);

	if (err)
		return err;
	pad = (0 - w->pos) & (size - 1);
	err = mdl__wroom(w, pad, size);
	if (err)
		return err;
	mdl__wzero(w, pad);
	*p = w->buf + w->pos;
	w->pos += size;
	return 0;
}

static inline int mdl_put_u8(struct mdl_writer *w, u8 v)
{
	u8 *p;
	int err = mdl__wslot(w, 1, &p);

	if (!err)
		p[0] = v;
	return err;
}

static inline int mdl_put_u16(struct mdl_writer *w, u16 v)
{
	u8 *p;
	int err = mdl__wslot(w, 2, &p);

	if (!err)
		mdl_store_le16(p, v);
	return err;
}

static inline int mdl_put_u32(struct mdl_writer *w, u32 v)
{
	u8 *p;
	int err = mdl__wslot(w, 4, &p);

	if (!err)
		mdl_store_le32(p, v);
	return err;
}

static inline int mdl_put_u64(struct mdl_writer *w, u64 v)
{
	u8 *p;
	int err = mdl__wslot(w, 8, &p);

	if (!err)
		mdl_store_le64(p, v);
	return err;
}

static inline int mdl_put_s8(struct mdl_writer *w, s8 v)
{
	return mdl_put_u8(w, (u8)v);
}

static inline int mdl_put_s16(struct mdl_writer *w, s16 v)
{
	return mdl_put_u16(w, (u16)v);
}

static inline int mdl_put_s32(struct mdl_writer *w, s32 v)
{
	return mdl_put_u32(w, (u32)v);
}

static inline int mdl_put_s64(struct mdl_writer *w, s64 v)
{
	return mdl_put_u64(w, (u64)v);
}

static inline int mdl_put_bool(struct mdl_writer *w, bool v)
{
	return mdl_put_u8(w, v ? 1 : 0);
}

static inline int mdl_put_char(struct mdl_writer *w, char v)
{
	return mdl_put_u8(w, (u8)v);
}

/* n raw bytes, unaligned. */
static inline int mdl_put_bytes(struct mdl_writer *w, const void *src, size_t n)
{
	int err = mdl__wroom(w, 0, n);

	if (err)
		return err;
	/* The builtin, not a byte loop: the loop reloaded w->buf per byte and ran at 2 ns a byte. */
	if (n)
		__builtin_memcpy(w->buf + w->pos, src, n);
	w->pos += n;
	return 0;
}

/*
 * A [string] of len bytes at s (s NULL: a NULL string, len ignored). Refuses more than max
 * bytes or a NUL inside with -EPROTO, as the receiver would refuse them.
 */
static inline int mdl_put_string(struct mdl_writer *w, const char *s, size_t len, u32 max)
{
	size_t pad, avail, end, tail, i;
	u8 *p;
	int err;

	if (!s)
		return mdl_put_u32(w, MDL_NULL);
	err = mdl__wsane(w);
	if (err)
		return err;
	pad = (0 - w->pos) & 3;
	if (len > max)
		return mdl__wfail(w, w->pos, "string exceeds its max", -EPROTO);
	for (i = 0; i < len; i++)
		if (s[i] == '\0')
			return mdl__wfail(w, w->pos, "string has a NUL inside", -EPROTO);
	/*
	 * Room is checked part by part, never as one sum, which could wrap with a 32-bit size_t;
	 * the padding only needs the low bits of the end, which a wrap would not change.
	 */
	err = mdl__wroom(w, pad, 4);
	if (err)
		return err;
	avail = w->cap - w->pos - pad - 4;
	end = w->pos + pad + 4 + len + 1;
	tail = (0 - end) & 3;
	if (len > avail || 1 + tail > avail - len)
		return mdl__wfail(w, w->pos, "message too large for the writer", -EMSGSIZE);
	mdl__wzero(w, pad);
	p = w->buf + w->pos;
	mdl_store_le32(p, (u32)len);
	for (i = 0; i < len; i++)
		p[4 + i] = (u8)s[i];
	w->pos += 4 + len;
	mdl__wzero(w, 1 + tail);
	return 0;
}

/* A NUL-terminated string (or NULL); refused if no NUL comes within max bytes. */
static inline int mdl_put_str(struct mdl_writer *w, const char *s, u32 max)
{
	size_t n = 0;

	if (!s)
		return mdl_put_u32(w, MDL_NULL);
	while (n <= max && s[n] != '\0')
		n++;
	if (n > max)
		return mdl__wfail(w, w->pos, "string exceeds its max", -EPROTO);
	return mdl_put_string(w, s, n, max);
}

/*
 * The head of a counted value: u32 count (MDL_NULL for a NULL pointer), then zeros to a
 * multiple of 8, always; the caller writes the elements after it.
 */
static inline int mdl_put_counted(struct mdl_writer *w, u32 count)
{
	size_t pad, end;
	int err = mdl__wsane(w);

	if (err)
		return err;
	pad = (0 - w->pos) & 3;
	end = w->pos + pad + 4;
	err = mdl__wroom(w, pad, 4 + ((0 - end) & 7));
	if (err)
		return err;
	mdl__wzero(w, pad);
	mdl_store_le32(w->buf + w->pos, count);
	w->pos += 4;
	mdl__wzero(w, (0 - w->pos) & 7);
	return 0;
}

/* Reserves n zero bytes, unaligned; *at is their offset, for mdl_patch_u32. */
static inline int mdl_reserve(struct mdl_writer *w, size_t n, size_t *at)
{
	int err = mdl__wroom(w, 0, n);

	if (err)
		return err;
	*at = w->pos;
	mdl__wzero(w, n);
	return 0;
}

/* Overwrites a u32 already written or reserved (a length or count known only later). */
static inline int mdl_patch_u32(struct mdl_writer *w, size_t at, u32 v)
{
	int err = mdl__wsane(w);

	if (err)
		return err;
	if (w->pos < 4 || at > w->pos - 4)
		return mdl__wfail(w, at, "patch outside the bytes written", -EINVAL);
	mdl_store_le32(w->buf + at, v);
	return 0;
}

/* ---- message header ------------------------------------------------------------------------ */

struct mdl_header {
	u16 module_version;
	u8 kind;		/* MDL_KIND_* */
	u8 flags;		/* MDL_FLAG_* */
	u32 interface_id;
	u32 function_id;
	u32 call_id;
	u32 payload_length;	/* bytes after the header */
	u32 object_count;
};

/*
 * The kind and flag rules both ends apply, so a side never sends what it would refuse; returns
 * the offending header byte (8 or 9) or 0.
 */
static inline size_t mdl__header_kind_problem(u8 kind, u8 flags, const char **msg)
{
	if (kind != MDL_KIND_CALL && kind != MDL_KIND_REPLY && kind != MDL_KIND_ERROR) {
		*msg = "unknown message kind";
		return 8;
	}
	if (flags & ~MDL_FLAG_NESTED) {
		*msg = "unknown flag bits";
		return 9;
	}
	if ((flags & MDL_FLAG_NESTED) && kind != MDL_KIND_CALL) {
		*msg = "the nested flag is set on a reply";
		return 9;
	}
	return 0;
}

/*
 * Writes a header at the writer's position, which must be 8-aligned (normally 0) for payload
 * alignment to agree with the message's; *at gets that position for mdl_header_finish. The
 * payload length and object count written are h's; finish sets the real ones.
 */
static inline int mdl_header_encode(struct mdl_writer *w, const struct mdl_header *h, size_t *at)
{
	const char *msg = NULL;
	size_t bad;
	u8 *p;
	int err = mdl__wsane(w);

	if (err)
		return err;
	if (w->pos & 7)
		return mdl__wfail(w, w->pos, "a header must start 8-aligned", -EINVAL);
	bad = mdl__header_kind_problem(h->kind, h->flags, &msg);
	if (bad)
		return mdl__wfail(w, w->pos + bad, msg, -EPROTO);
	err = mdl__wroom(w, 0, MDL_HEADER_SIZE);
	if (err)
		return err;
	p = w->buf + w->pos;
	mdl_store_le32(p + 0, MDL_MAGIC);
	mdl_store_le16(p + 4, (u16)MDL_WIRE_VERSION);
	mdl_store_le16(p + 6, h->module_version);
	p[8] = h->kind;
	p[9] = h->flags;
	mdl_store_le16(p + 10, 0);
	mdl_store_le32(p + 12, h->interface_id);
	mdl_store_le32(p + 16, h->function_id);
	mdl_store_le32(p + 20, h->call_id);
	mdl_store_le32(p + 24, h->payload_length);
	mdl_store_le32(p + 28, h->object_count);
	*at = w->pos;
	w->pos += MDL_HEADER_SIZE;
	return 0;
}

/*
 * Sets the payload length of the header at `at` to what was written after it, and its object
 * count; call once the payload is complete.
 */
static inline int mdl_header_finish(struct mdl_writer *w, size_t at, u32 object_count)
{
	size_t payload;
	int err = mdl__wsane(w);

	if (err)
		return err;
	if (w->pos < MDL_HEADER_SIZE || at > w->pos - MDL_HEADER_SIZE)
		return mdl__wfail(w, at, "no header at this offset", -EINVAL);
	payload = w->pos - at - MDL_HEADER_SIZE;
	/* Above U32_MAX? Two shifts, as in upper_32_bits(): one of 32 is undefined on 32 bits. */
	if (payload >> 16 >> 16)
		return mdl__wfail(w, at + MDL_HEADER_PAYLOAD_LENGTH_AT,
				  "payload length does not fit a u32", -EMSGSIZE);
	mdl_store_le32(w->buf + at + MDL_HEADER_PAYLOAD_LENGTH_AT, (u32)payload);
	mdl_store_le32(w->buf + at + MDL_HEADER_OBJECT_COUNT_AT, object_count);
	return 0;
}

/*
 * Reads and checks the header at the reader's position, which must begin the message: magic,
 * wire version, kind, flags, reserved bytes, payload length within max_payload and equal to the
 * bytes that follow, object count plausible. The module version and the interface and function
 * ids are left to the dispatcher, which owns the IR (EINVAL, ENOSYS). h is written only on
 * success; r is then at the payload.
 */
static inline int mdl_header_decode(struct mdl_reader *r, u32 max_payload, struct mdl_header *h)
{
	const char *msg = NULL;
	const u8 *p;
	size_t at, bad, rest;
	u32 payload, objects;
	int err = mdl__rsane(r);

	if (err)
		return err;
	at = r->pos;
	if (r->len - at < MDL_HEADER_SIZE)
		return mdl__rbad(r, at, "message shorter than the 32-byte header");
	p = r->buf + at;
	if (mdl_load_le32(p) != MDL_MAGIC)
		return mdl__rbad(r, at, "bad magic (bytes 4D 44 4C 31 expected)");
	if (mdl_load_le16(p + 4) != MDL_WIRE_VERSION)
		return mdl__rbad(r, at + 4, "unsupported wire version");
	bad = mdl__header_kind_problem(p[8], p[9], &msg);
	if (bad)
		return mdl__rbad(r, at + bad, msg);
	if (mdl_load_le16(p + 10) != 0)
		return mdl__rbad(r, at + 10, "reserved bytes are not 0");
	payload = mdl_load_le32(p + 24);
	if (payload > max_payload)
		return mdl__rbad(r, at + 24, "payload length exceeds the limit");
	rest = r->len - at - MDL_HEADER_SIZE;
	if (payload != rest)
		return mdl__rbad(r, at + 24, "payload length differs from the bytes that follow");
	objects = mdl_load_le32(p + 28);
	if (p[8] == MDL_KIND_ERROR && objects != 0)
		return mdl__rbad(r, at + 28, "an error reply has objects");
	if ((u64)objects * MDL_MIN_OBJECT_ENTRY > payload)
		return mdl__rbad(r, at + 28, "object count cannot fit the payload");
	h->module_version = mdl_load_le16(p + 6);
	h->kind = p[8];
	h->flags = p[9];
	h->interface_id = mdl_load_le32(p + 12);
	h->function_id = mdl_load_le32(p + 16);
	h->call_id = mdl_load_le32(p + 20);
	h->payload_length = payload;
	h->object_count = objects;
	r->pos = at + MDL_HEADER_SIZE;
	return 0;
}

/* ---- error-reply payload --------------------------------------------------------------------- */

/*
 * u32 error code (nonzero), u32 message length, the message: UTF-8, no NUL, no padding. Refuses
 * with -EPROTO what the receiver would refuse.
 */
static inline int mdl_error_encode(struct mdl_writer *w, u32 code, const char *msg, size_t len)
{
	struct mdl_utf8 s;
	size_t pad, i;
	u8 *p;
	int err = mdl__wsane(w);

	if (err)
		return err;
	if (code == 0)
		return mdl__wfail(w, w->pos, "error code 0", -EPROTO);
	/* A length above U32_MAX does not fit the u32 on the wire (see mdl_header_finish). */
	if ((len >> 16 >> 16) || (len && !msg))
		return mdl__wfail(w, w->pos, "error message cannot be encoded", -EPROTO);
	mdl_utf8_init(&s);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\0')
			return mdl__wfail(w, w->pos, "error message has a NUL", -EPROTO);
		if (mdl_utf8_step(&s, (u8)msg[i]))
			return mdl__wfail(w, w->pos, "error message is not valid UTF-8", -EPROTO);
	}
	if (!mdl_utf8_complete(&s))
		return mdl__wfail(w, w->pos, "error message is not valid UTF-8", -EPROTO);
	pad = (0 - w->pos) & 3;
	err = mdl__wroom(w, pad, 8);
	if (err)
		return err;
	if (len > w->cap - w->pos - pad - 8)
		return mdl__wfail(w, w->pos, "message too large for the writer", -EMSGSIZE);
	mdl__wzero(w, pad);
	p = w->buf + w->pos;
	mdl_store_le32(p, code);
	mdl_store_le32(p + 4, (u32)len);
	for (i = 0; i < len; i++)
		p[8 + i] = (u8)msg[i];
	w->pos += 8 + len;
	return 0;
}

/*
 * Reads an error payload, which must fill the rest of the reader. The message is checked (no
 * NUL, valid UTF-8) in the one pass that copies it into msg (msg_size bytes, may be 0 with msg
 * NULL): a longer message is cut at the last whole character that fits, and always
 * NUL-terminated. *len gets the length on the wire, so *len >= msg_size tells it was cut.
 */
static inline int mdl_error_decode(struct mdl_reader *r, u32 *code, char *msg, size_t msg_size,
				   u32 *len)
{
	struct mdl_utf8 s;
	size_t at, len_at, start, i, kept = 0, nul_at = 0;
	bool has_nul = false, bad_utf8 = false;
	u32 c, n;
	u8 b;
	int err;

	if (msg_size && !msg)
		return mdl__rfail(r, r->pos, "message buffer is NULL", -EINVAL);
	err = mdl__rslot(r, 4, &at);
	if (err)
		return err;
	c = mdl_load_le32(r->buf + at);
	if (c == 0)
		return mdl__rbad(r, at, "error reply with error code 0");
	/* The code is 4-aligned and 4 bytes long, so the length slot needs no padding. */
	len_at = at + 4;
	if (r->len - len_at < 4)
		return mdl__rbad(r, len_at, "truncated: value runs past the end");
	n = mdl_load_le32(r->buf + len_at);
	start = len_at + 4;
	if (n != r->len - start)
		return mdl__rbad(r, len_at, "error message length differs from the bytes left");
	mdl_utf8_init(&s);
	for (i = 0; i < n; i++) {
		b = r->buf[start + i];
		if (b == 0 && !has_nul) {
			has_nul = true;
			nul_at = i;
		}
		if (!bad_utf8 && mdl_utf8_step(&s, b))
			bad_utf8 = true;
		if (i + 1 < msg_size) {
			msg[i] = (char)b;
			if (!bad_utf8 && mdl_utf8_complete(&s))
				kept = i + 1;
		}
	}
	if (!bad_utf8 && !mdl_utf8_complete(&s))
		bad_utf8 = true;
	if (has_nul || bad_utf8) {
		if (msg_size)
			msg[0] = '\0';
		/* A NUL is reported before bad UTF-8, wherever each is, as in TypeScript. */
		if (has_nul)
			return mdl__rbad(r, start + nul_at, "error message has a NUL");
		return mdl__rbad(r, start, "error message is not valid UTF-8");
	}
	if (msg_size)
		msg[kept] = '\0';
	r->pos = start + n;
	*code = c;
	*len = n;
	return 0;
}

#endif /* MDIDL_WIRE_H */
