/* SPDX-License-Identifier: MIT */
/*
 * tv.h - the test-side interpreter of the shared vectors (test/vectors/ (JSON)) over
 * runtime/c/mdidl_wire.h. The mocha tests generate the vector tables (struct tv_vector) from the
 * JSON and compile them together with this file and a main (wire_vectors.c, wire_hostile.c).
 *
 * A vector is decoded the way generated code would decode it, told only the types and maxima:
 * the expected values in the tables are used by tv_check alone, never by tv_decode. Every
 * destination is allocated at its exact size, so AddressSanitizer sees a one-byte overrun.
 */
#ifndef TV_H
#define TV_H

#include "mdidl_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tv_kind {
	TV_U8, TV_U16, TV_U32, TV_U64, TV_S8, TV_S16, TV_S32, TV_S64, TV_BOOL, TV_CHAR,
	TV_STRING, TV_BYTES, TV_COUNTED,
};

/* One value of a values vector: its type (as a decoder knows it) and what it must decode to. */
struct tv_value {
	enum tv_kind kind;
	enum tv_kind of;	/* TV_COUNTED: the element type */
	u32 max;		/* TV_STRING, TV_COUNTED */
	u32 nbytes;		/* TV_BYTES: the array length */
	/* expected */
	bool is_null;		/* TV_STRING, TV_COUNTED */
	u64 bits;		/* scalars: the value's bits, zero-extended from its width */
	const u8 *bytes;	/* TV_STRING, TV_BYTES */
	u32 len;		/* TV_STRING, TV_BYTES: bytes; TV_COUNTED: elements */
	const u64 *elems;	/* TV_COUNTED: element bits */
};

struct tv_vector {
	const char *name;
	const u8 *wire;
	size_t len;
	bool is_header;
	/* values vectors */
	const struct tv_value *values;
	size_t nvalues;
	/* header vectors: expected */
	struct mdl_header header;
	const u8 *payload;
	size_t payload_len;
	bool has_error;
	u32 err_code;
	const u8 *err_msg;
	u32 err_len;
};

/* What one value decoded to. */
struct tv_got {
	u64 bits;
	u32 len;		/* string length or MDL_NULL; counted count or MDL_NULL */
	char *str;		/* TV_STRING: max + 1 bytes */
	u8 *bytes;		/* TV_BYTES: nbytes bytes */
	u64 *elems;		/* TV_COUNTED: allocated per decode, count elements */
};

struct tv_state {
	const struct tv_vector *v;
	struct tv_got *got;
	struct mdl_header h;
	u8 *payload;		/* payload_cap bytes */
	size_t payload_cap;
	size_t payload_len;
	u32 code;
	char *msg;		/* set by the caller before each decode: msg_size bytes (or NULL, 0) */
	size_t msg_size;
	u32 msg_len;
};

static inline void *tv_alloc(size_t n)
{
	/* malloc(0) may return NULL; one byte keeps the "exact size" promise for ASan anyway. */
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

static inline size_t tv_size(enum tv_kind k)
{
	switch (k) {
	case TV_U8: case TV_S8: case TV_BOOL: case TV_CHAR: return 1;
	case TV_U16: case TV_S16: return 2;
	case TV_U32: case TV_S32: return 4;
	case TV_U64: case TV_S64: return 8;
	default: return 0;
	}
}

/* max_input: the longest input this state will decode (bounds the payload copy). */
static inline void tv_state_init(struct tv_state *st, const struct tv_vector *v, size_t max_input)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->v = v;
	st->got = tv_alloc(sizeof(*st->got) * (v->nvalues ? v->nvalues : 1));
	memset(st->got, 0, sizeof(*st->got) * (v->nvalues ? v->nvalues : 1));
	for (i = 0; i < v->nvalues; i++) {
		if (v->values[i].kind == TV_STRING)
			st->got[i].str = tv_alloc((size_t)v->values[i].max + 1);
		if (v->values[i].kind == TV_BYTES)
			st->got[i].bytes = tv_alloc(v->values[i].nbytes);
	}
	st->payload_cap = max_input;
	st->payload = tv_alloc(max_input);
}

static inline void tv_state_clear(struct tv_state *st)
{
	size_t i;

	for (i = 0; i < st->v->nvalues; i++) {
		free(st->got[i].elems);
		st->got[i].elems = NULL;
	}
}

static inline void tv_state_free(struct tv_state *st)
{
	size_t i;

	tv_state_clear(st);
	for (i = 0; i < st->v->nvalues; i++) {
		free(st->got[i].str);
		free(st->got[i].bytes);
	}
	free(st->got);
	free(st->payload);
}

static inline int tv_get_scalar(struct mdl_reader *r, enum tv_kind k, u64 *bits)
{
	int err = -EINVAL;

	switch (k) {
	case TV_U8: { u8 v; err = mdl_get_u8(r, &v); if (!err) *bits = v; break; }
	case TV_U16: { u16 v; err = mdl_get_u16(r, &v); if (!err) *bits = v; break; }
	case TV_U32: { u32 v; err = mdl_get_u32(r, &v); if (!err) *bits = v; break; }
	case TV_U64: { u64 v; err = mdl_get_u64(r, &v); if (!err) *bits = v; break; }
	case TV_S8: { s8 v; err = mdl_get_s8(r, &v); if (!err) *bits = (u8)v; break; }
	case TV_S16: { s16 v; err = mdl_get_s16(r, &v); if (!err) *bits = (u16)v; break; }
	case TV_S32: { s32 v; err = mdl_get_s32(r, &v); if (!err) *bits = (u32)v; break; }
	case TV_S64: { s64 v; err = mdl_get_s64(r, &v); if (!err) *bits = (u64)v; break; }
	case TV_BOOL: { bool v; err = mdl_get_bool(r, &v); if (!err) *bits = v; break; }
	case TV_CHAR: { char v; err = mdl_get_char(r, &v); if (!err) *bits = (u8)v; break; }
	default: break;
	}
	return err;
}

static inline int tv_put_scalar(struct mdl_writer *w, enum tv_kind k, u64 bits)
{
	switch (k) {
	case TV_U8: return mdl_put_u8(w, (u8)bits);
	case TV_U16: return mdl_put_u16(w, (u16)bits);
	case TV_U32: return mdl_put_u32(w, (u32)bits);
	case TV_U64: return mdl_put_u64(w, bits);
	case TV_S8: return mdl_put_s8(w, (s8)(u8)bits);
	case TV_S16: return mdl_put_s16(w, (s16)(u16)bits);
	case TV_S32: return mdl_put_s32(w, (s32)(u32)bits);
	case TV_S64: return mdl_put_s64(w, (s64)bits);
	case TV_BOOL: return mdl_put_bool(w, bits != 0);
	case TV_CHAR: return mdl_put_char(w, (char)(u8)bits);
	default: return -EINVAL;
	}
}

static inline int tv_decode_values(struct tv_state *st, struct mdl_reader *r)
{
	const struct tv_vector *v = st->v;
	size_t i, j;
	int err = 0;

	for (i = 0; i < v->nvalues && !err; i++) {
		const struct tv_value *s = &v->values[i];
		struct tv_got *g = &st->got[i];

		switch (s->kind) {
		case TV_STRING:
			err = mdl_get_string(r, g->str, (size_t)s->max + 1, s->max, &g->len);
			break;
		case TV_BYTES:
			err = mdl_get_bytes(r, g->bytes, s->nbytes);
			break;
		case TV_COUNTED:
			err = mdl_get_counted(r, s->max, tv_size(s->of), &g->len);
			if (err || g->len == MDL_NULL)
				break;
			/* As a kernel caller would kmalloc_array(count): count is bounded by the bytes left. */
			g->elems = tv_alloc(sizeof(u64) * g->len);
			for (j = 0; j < g->len && !err; j++)
				err = tv_get_scalar(r, s->of, &g->elems[j]);
			break;
		default:
			err = tv_get_scalar(r, s->kind, &g->bits);
			break;
		}
	}
	return err ? err : mdl_expect_end(r);
}

static inline int tv_decode_header(struct tv_state *st, struct mdl_reader *r)
{
	int err = mdl_header_decode(r, MDL_MAX_PAYLOAD_DEFAULT, &st->h);

	if (err)
		return err;
	if (st->h.kind == MDL_KIND_ERROR) {
		err = mdl_error_decode(r, &st->code, st->msg, st->msg_size, &st->msg_len);
	} else {
		st->payload_len = mdl_remaining(r);
		if (st->payload_len > st->payload_cap)
			return -ENOBUFS; /* a harness bug, reported as such by the mains */
		err = mdl_get_bytes(r, st->payload, st->payload_len);
	}
	return err ? err : mdl_expect_end(r);
}

/* Decodes buf as st's vector says; r is left with the position or the error. */
static inline int tv_decode(struct tv_state *st, const u8 *buf, size_t len, struct mdl_reader *r)
{
	tv_state_clear(st);
	mdl_reader_init(r, buf, len);
	return st->v->is_header ? tv_decode_header(st, r) : tv_decode_values(st, r);
}

/* Re-encodes what the last successful tv_decode produced. */
static inline int tv_encode(const struct tv_state *st, struct mdl_writer *w)
{
	const struct tv_vector *v = st->v;
	struct mdl_header h;
	size_t i, j, at;
	int err = 0;

	if (v->is_header) {
		h = st->h;
		h.payload_length = 0;
		h.object_count = 0;
		err = mdl_header_encode(w, &h, &at);
		if (!err && h.kind == MDL_KIND_ERROR)
			err = mdl_error_encode(w, st->code, st->msg, st->msg_len);
		else if (!err)
			err = mdl_put_bytes(w, st->payload, st->payload_len);
		return err ? err : mdl_header_finish(w, at, st->h.object_count);
	}
	for (i = 0; i < v->nvalues && !err; i++) {
		const struct tv_value *s = &v->values[i];
		const struct tv_got *g = &st->got[i];

		switch (s->kind) {
		case TV_STRING:
			err = mdl_put_string(w, g->len == MDL_NULL ? NULL : g->str, g->len, s->max);
			break;
		case TV_BYTES:
			err = mdl_put_bytes(w, g->bytes, s->nbytes);
			break;
		case TV_COUNTED:
			err = mdl_put_counted(w, g->len);
			for (j = 0; g->len != MDL_NULL && j < g->len && !err; j++)
				err = tv_put_scalar(w, s->of, g->elems[j]);
			break;
		default:
			err = tv_put_scalar(w, s->kind, g->bits);
			break;
		}
	}
	return err;
}

/* Compares what was decoded with the vector's expectations; 0, or 1 with why filled in. */
static inline int tv_check(const struct tv_state *st, char *why, size_t why_size)
{
	const struct tv_vector *v = st->v;
	size_t i, j;

	if (v->is_header) {
		const struct mdl_header *e = &v->header, *g = &st->h;

		if (g->module_version != e->module_version || g->kind != e->kind || g->flags != e->flags ||
		    g->interface_id != e->interface_id || g->function_id != e->function_id ||
		    g->call_id != e->call_id || g->payload_length != e->payload_length ||
		    g->object_count != e->object_count) {
			snprintf(why, why_size, "header fields differ");
			return 1;
		}
		if (v->has_error) {
			if (g->kind != MDL_KIND_ERROR || st->code != v->err_code || st->msg_len != v->err_len ||
			    st->msg_size <= v->err_len || memcmp(st->msg, v->err_msg, v->err_len) != 0 ||
			    st->msg[v->err_len] != '\0') {
				snprintf(why, why_size, "error payload differs");
				return 1;
			}
		} else if (st->payload_len != v->payload_len ||
			   memcmp(st->payload, v->payload, v->payload_len) != 0) {
			snprintf(why, why_size, "payload differs");
			return 1;
		}
		return 0;
	}
	for (i = 0; i < v->nvalues; i++) {
		const struct tv_value *s = &v->values[i];
		const struct tv_got *g = &st->got[i];
		int bad = 0;

		switch (s->kind) {
		case TV_STRING:
			if (s->is_null)
				bad = g->len != MDL_NULL || g->str[0] != '\0';
			else
				bad = g->len != s->len || memcmp(g->str, s->bytes, s->len) != 0 ||
				      g->str[s->len] != '\0';
			break;
		case TV_BYTES:
			bad = memcmp(g->bytes, s->bytes, s->nbytes) != 0;
			break;
		case TV_COUNTED:
			if (s->is_null) {
				bad = g->len != MDL_NULL;
				break;
			}
			bad = g->len != s->len;
			for (j = 0; !bad && j < s->len; j++)
				bad = g->elems[j] != s->elems[j];
			break;
		default:
			bad = g->bits != s->bits;
			break;
		}
		if (bad) {
			snprintf(why, why_size, "value %zu differs from the expected one", i);
			return 1;
		}
	}
	return 0;
}

#endif /* TV_H */
