/* SPDX-License-Identifier: MIT */
/*
 * Hostile input for runtime/c/mdidl_wire.h, run under ASan and UBSan (which abort on any
 * out-of-bounds access or undefined behaviour, failing the test): every truncation of each
 * shared vector, deterministic random mutations of each, random garbage, random sequences of
 * reader and writer calls, and every too-small writer capacity for each vector.
 *
 * Included after tv.h and the generated tables. argv[1] names a file that receives every input
 * decoded as a vector (index, bytes, result, error offset) so the mocha test can decode the same
 * bytes with the TypeScript runtime and demand the same verdict at the same byte.
 *
 * Every input lives in a buffer of exactly its length, so a one-byte overread is caught.
 */

#define MUTATIONS_PER_VECTOR 3000
#define GARBAGE_INPUTS 2500
#define GARBAGE_MAX 160
#define OP_SEQUENCES 4000
#define MAX_INPUT 256

static u64 rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64: deterministic, so a failure reproduces from the same binary. */
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u32 rnd_below(u32 n)
{
	return n ? (u32)(rnd() % n) : 0;
}

static FILE *records;
static unsigned long n_truncations, n_mutations, n_garbage, n_ops, n_writer, failures;

static void fail(const char *what, const char *name, size_t len, int rc, const char *why)
{
	if (failures++ < 20)
		printf("FAIL %s %s (input of %zu bytes): rc %d: %s\n", what, name, len, rc, why);
}

static void record(size_t index, const u8 *in, size_t len, int rc, size_t err_off)
{
	u8 head[8], tail[8];

	mdl_store_le32(head, (u32)index);
	mdl_store_le32(head + 4, (u32)len);
	mdl_store_le32(tail, (u32)rc);
	mdl_store_le32(tail + 4, rc ? (u32)err_off : 0);
	if (fwrite(head, 1, 8, records) != 8 || fwrite(in, 1, len, records) != len ||
	    fwrite(tail, 1, 8, records) != 8) {
		perror("records");
		exit(2);
	}
}

/* Checks what must hold after any decode of any input; returns nonzero on a violation. */
static int check_decode(const struct tv_state *st, const struct mdl_reader *r, size_t len, int rc,
			const char **why)
{
	const struct tv_vector *v = st->v;
	size_t i;

	*why = NULL;
	if (rc != 0 && rc != -EPROTO)
		*why = "not 0 or -EPROTO";
	else if (r->pos > len || r->len != len)
		*why = "reader position past the input";
	else if (rc && (r->err_off > len || !r->err_msg))
		*why = "error without a sane offset and reason";
	else if (!rc && r->pos != len)
		*why = "success without consuming the input";
	if (*why || rc)
		return *why != NULL;
	if (v->is_header && st->h.kind == MDL_KIND_ERROR && st->msg_size) {
		size_t n = strlen(st->msg);

		if (n >= st->msg_size || n > st->msg_len || (st->msg_len < st->msg_size && n != st->msg_len))
			*why = "error message not a NUL-terminated prefix";
	}
	for (i = 0; !v->is_header && i < v->nvalues; i++) {
		const struct tv_value *s = &v->values[i];
		const struct tv_got *g = &st->got[i];

		if (s->kind == TV_STRING && g->len != MDL_NULL && (g->len > s->max || strlen(g->str) != g->len))
			*why = "string longer than max or not terminated at its length";
		if (s->kind == TV_STRING && g->len == MDL_NULL && g->str[0] != '\0')
			*why = "NULL string not left empty";
		if (s->kind == TV_COUNTED && g->len != MDL_NULL && g->len > s->max)
			*why = "count above max";
	}
	return *why != NULL;
}

/* Decodes in[0..len) as vector index (its own bytes or not), records and checks the outcome. */
static void decode_one(const char *what, size_t index, const u8 *src, size_t len)
{
	const struct tv_vector *v = &tv_vectors[index];
	struct tv_state st;
	struct mdl_reader r;
	const char *why;
	u8 *in = tv_alloc(len);
	int rc;

	memcpy(in, src, len);
	tv_state_init(&st, v, MAX_INPUT);
	/* Error messages go to exact-size buffers of varied sizes, cut ones included. */
	switch (rnd_below(4)) {
	case 0: st.msg_size = 0; break;
	case 1: st.msg_size = 1; break;
	case 2: st.msg_size = 1 + rnd_below(8); break;
	default: st.msg_size = len + 1; break;
	}
	st.msg = st.msg_size ? tv_alloc(st.msg_size) : NULL;
	rc = tv_decode(&st, in, len, &r);
	if (check_decode(&st, &r, len, rc, &why))
		fail(what, v->name, len, rc, why);
	record(index, in, len, rc, r.err_off);
	free(st.msg);
	tv_state_free(&st);
	free(in);
}

static void truncations(void)
{
	size_t i, n;

	for (i = 0; i < tv_nvectors; i++) {
		for (n = 0; n <= tv_vectors[i].len; n++) {
			decode_one("truncation", i, tv_vectors[i].wire, n);
			n_truncations++;
		}
	}
}

static const u8 interesting8[] = { 0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff };
static const u32 interesting32[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0xff, 0xffff, 0x10000, 0x7fffffff,
	0x80000000u, 0xfffffffeu, 0xffffffffu, MDL_MAGIC,
};

/* One random edit of buf (length *len, capacity MAX_INPUT). */
static void mutate(u8 *buf, size_t *len)
{
	size_t n = *len, at;
	u32 v;

	switch (rnd_below(8)) {
	case 0:
		if (n)
			buf[rnd_below((u32)n)] ^= (u8)(1u << rnd_below(8));
		break;
	case 1:
		if (n)
			buf[rnd_below((u32)n)] = interesting8[rnd_below(sizeof(interesting8))];
		break;
	case 2:
		if (n)
			buf[rnd_below((u32)n)] = (u8)rnd();
		break;
	case 3:
	case 4:
		/* Lengths, counts and header fields are aligned u32s: hit them with boundary values. */
		if (n >= 4) {
			at = rnd_below((u32)(n / 4)) * 4;
			switch (rnd_below(4)) {
			case 0: v = (u32)n - (u32)at; break;	/* "the rest" */
			case 1: v = n >= 32 ? (u32)n - 32 : 0; break;
			default: v = interesting32[rnd_below(sizeof(interesting32) / sizeof(u32))]; break;
			}
			mdl_store_le32(buf + at, v);
		}
		break;
	case 5:
		if (n)
			*len = rnd_below((u32)n);
		break;
	case 6: {
		size_t add = 1 + rnd_below(16);

		if (n + add > MAX_INPUT)
			add = MAX_INPUT - n;
		while (add--)
			buf[(*len)++] = (u8)rnd();
		break;
	}
	default:
		/* Drop one byte: everything after it shifts off its alignment. */
		if (n) {
			at = rnd_below((u32)n);
			memmove(buf + at, buf + at + 1, n - at - 1);
			*len = n - 1;
		}
		break;
	}
}

static void mutations(void)
{
	u8 buf[MAX_INPUT];
	size_t i, len;
	int k, steps;

	for (i = 0; i < tv_nvectors; i++) {
		const struct tv_vector *v = &tv_vectors[i];

		for (k = 0; k < MUTATIONS_PER_VECTOR; k++) {
			memcpy(buf, v->wire, v->len);
			len = v->len;
			for (steps = 1 + (int)rnd_below(4); steps > 0; steps--)
				mutate(buf, &len);
			/* Half the time repair the payload length, so the mutation reaches the payload checks. */
			if (v->is_header && len >= 32 && rnd_below(2))
				mdl_store_le32(buf + 24, (u32)len - 32);
			decode_one("mutation", i, buf, len);
			n_mutations++;
		}
	}
}

/* Bytes that are sometimes a plausible message (a valid header, an error payload) and sometimes not. */
static size_t garbage(u8 *buf)
{
	static const u8 text[] = { 'a', 'Z', ' ', 0x00, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0,
				   0x9f, 0x98, 0x80, 0xf4, 0x90, 0xc0, 0xff, 0x80 };
	size_t len = rnd_below(GARBAGE_MAX + 1), i;
	u32 kind;

	for (i = 0; i < len; i++)
		buf[i] = (u8)rnd();
	if (len < 32 || rnd_below(2))
		return len;
	kind = rnd_below(8) ? 1 + rnd_below(3) : rnd_below(256);
	mdl_store_le32(buf, MDL_MAGIC);
	mdl_store_le16(buf + 4, 1);
	buf[8] = (u8)kind;
	buf[9] = rnd_below(4) ? 0 : (u8)rnd_below(4);
	mdl_store_le16(buf + 10, 0);
	mdl_store_le32(buf + 24, (u32)len - 32);
	mdl_store_le32(buf + 28, rnd_below(2) ? 0 : rnd_below(4));
	if (kind == MDL_KIND_ERROR && len >= 40 && rnd_below(4)) {
		mdl_store_le32(buf + 32, rnd_below(8) ? 1 + rnd_below(200) : 0);
		mdl_store_le32(buf + 36, rnd_below(8) ? (u32)len - 40 : rnd_below(64));
		for (i = 40; i < len; i++)
			buf[i] = rnd_below(2) ? (u8)('a' + rnd_below(26)) : text[rnd_below(sizeof(text))];
	}
	return len;
}

static void garbage_inputs(void)
{
	u8 buf[MAX_INPUT];
	size_t len, i;
	int k;

	for (k = 0; k < GARBAGE_INPUTS; k++) {
		len = garbage(buf);
		for (i = 0; i < tv_nvectors; i++) {
			/* One header decoder serves every header vector: use it once per input. */
			if (tv_vectors[i].is_header && i > 0 && tv_vectors[i - 1].is_header)
				continue;
			decode_one("garbage", i, buf, len);
			n_garbage++;
		}
	}
}

/* ---- random call sequences ---------------------------------------------------------------- */

/* One random reader call on r; a sub-reader it makes goes to *sub, and *made_sub says so. */
static int reader_step(struct mdl_reader *r, struct mdl_reader *sub, bool *made_sub, const char **why)
{
	u8 bytes[32];
	char *str;
	struct mdl_header h;
	u64 v64;
	u32 n, max, c, len, i;
	size_t before = r->pos, elem;
	char msg[8];
	int rc = 0;
	u32 op = rnd_below(18);

	*why = NULL;
	switch (op) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		rc = tv_get_scalar(r, (enum tv_kind)op, &v64);
		break;
	case 10:
		rc = mdl_get_align(r, (size_t)1 << rnd_below(4));
		break;
	case 11:
		rc = mdl_get_bytes(r, bytes, rnd_below(sizeof(bytes) + 1));
		break;
	case 12: {
		static const u32 maxes[] = { 0, 1, 3, 4, 16, 255, 65535 };

		max = maxes[rnd_below(sizeof(maxes) / sizeof(u32))];
		str = tv_alloc((size_t)max + 1);
		rc = mdl_get_string(r, str, (size_t)max + 1, max, &len);
		if (!rc && len != MDL_NULL && (len > max || strlen(str) != len))
			*why = "string result inconsistent";
		free(str);
		break;
	}
	case 13:
		max = rnd_below(2) ? rnd_below(16) : 0xfffffffeu;
		elem = (size_t)1 << rnd_below(4);
		rc = mdl_get_counted(r, max, elem, &n);
		if (rc)
			break;
		if (n != MDL_NULL && ((u64)n * elem > mdl_remaining(r) || n > max))
			*why = "count does not fit what is left";
		/* The count was checked against the bytes left: every element it promises is there. */
		for (i = 0; !rc && n != MDL_NULL && i < n; i++)
			rc = tv_get_scalar(r, elem == 1 ? TV_U8 : elem == 2 ? TV_U16 : elem == 4 ? TV_U32 : TV_U64, &v64);
		if (rc && !*why)
			*why = "an element the count promised is missing";
		break;
	case 14:
		rc = mdl_get_sub(r, rnd_below(24), sub);
		if (!rc) {
			if (sub->buf != r->buf || sub->pos != before || sub->len != r->pos)
				*why = "sub-reader does not cover the skipped bytes";
			*made_sub = true;
		}
		break;
	case 15:
		rc = mdl_expect_end(r);
		break;
	case 16:
		rc = mdl_header_decode(r, rnd_below(2) ? MDL_MAX_PAYLOAD_DEFAULT : rnd_below(64), &h);
		break;
	default:
		rc = mdl_error_decode(r, &c, msg, rnd_below(sizeof(msg) + 1), &len);
		if (!rc && c == 0)
			*why = "error code 0 accepted";
		break;
	}
	if (!*why && rc != 0 && rc != -EPROTO)
		*why = "not 0 or -EPROTO";
	if (!*why && r->pos > r->len)
		*why = "position past the end";
	/* A failed call must leave the position alone (only a counted's elements may have moved it). */
	if (!*why && rc && op != 13 && r->pos != before)
		*why = "a failed call moved the position";
	if (!*why && rc && r->err_off > r->len)
		*why = "error offset past the end";
	return rc;
}

static void op_sequences(void)
{
	u8 buf[MAX_INPUT];
	struct mdl_reader r, sub, spare, *cur;
	const char *why;
	bool made_sub;
	size_t len;
	u8 *in;
	int k, steps, rc;

	for (k = 0; k < OP_SEQUENCES; k++) {
		len = garbage(buf);
		in = tv_alloc(len);
		memcpy(in, buf, len);
		mdl_reader_init(&r, in, len);
		mdl_reader_init(&sub, in, 0);
		cur = &r;
		for (steps = 0; steps < 40; steps++) {
			made_sub = false;
			rc = reader_step(cur, cur == &r ? &sub : &spare, &made_sub, &why);
			n_ops++;
			if (why) {
				fail("reader call", "garbage", len, rc, why);
				break;
			}
			/* Go on inside the first sub-reader, whose end is where the parent went on. */
			if (made_sub && cur == &r)
				cur = &sub;
			if (sub.len > r.len || sub.len > r.pos) {
				fail("reader call", "garbage", len, rc, "sub-reader past its parent");
				break;
			}
		}
		free(in);
	}
}

/* ---- writer ----------------------------------------------------------------------------------- */

/* Every capacity below a vector's length must fail with -EMSGSIZE inside the buffer. */
static void writer_capacities(void)
{
	struct tv_state st;
	struct mdl_reader r;
	struct mdl_writer w;
	size_t i, cap;
	u8 *out;
	int rc;

	for (i = 0; i < tv_nvectors; i++) {
		const struct tv_vector *v = &tv_vectors[i];

		tv_state_init(&st, v, v->len);
		st.msg_size = v->len + 1;
		st.msg = tv_alloc(st.msg_size);
		if (tv_decode(&st, v->wire, v->len, &r))
			fail("writer", v->name, v->len, -1, "the vector does not decode");
		for (cap = 0; cap <= v->len; cap++) {
			out = tv_alloc(cap);
			mdl_writer_init(&w, out, cap);
			rc = tv_encode(&st, &w);
			n_writer++;
			if (cap < v->len && (rc != -EMSGSIZE || w.pos > cap || w.err_off > cap))
				fail("writer", v->name, cap, rc, "a too-small writer did not fail cleanly");
			if (cap == v->len && (rc || w.pos != cap || memcmp(out, v->wire, cap)))
				fail("writer", v->name, cap, rc, "an exact-size writer did not reproduce the vector");
			free(out);
		}
		free(st.msg);
		tv_state_free(&st);
	}
}

/* Random puts into small exact-size buffers, then the same sequence read back from a large one. */
static void writer_sequences(void)
{
	enum { N = 24 };
	u8 big[1024], strbuf[24], got_bytes[24];
	u32 kinds[N], lens[N];
	u64 vals[N];
	char str[64];
	struct mdl_writer w, wb;
	struct mdl_reader r;
	size_t cap, before;
	u32 i, j, m, n, done, len;
	u64 v64;
	int k, rc, rb;
	u8 *out;

	for (k = 0; k < OP_SEQUENCES; k++) {
		cap = rnd_below(72);
		out = tv_alloc(cap);
		mdl_writer_init(&w, out, cap);
		mdl_writer_init(&wb, big, sizeof(big));
		n = 1 + rnd_below(N);
		for (i = 0; i < n; i++) {
			kinds[i] = rnd_below(13);
			vals[i] = rnd();
			/* Strings stay within their max of 20: refusals have their own checks. */
			lens[i] = rnd_below(kinds[i] == 10 ? 21 : sizeof(strbuf));
			for (j = 0; j < lens[i]; j++)
				strbuf[j] = (u8)('a' + rnd_below(26));
			before = w.pos;
			switch (kinds[i]) {
			case 10:
				rc = mdl_put_string(&w, (const char *)strbuf, lens[i], 20);
				rb = mdl_put_string(&wb, (const char *)strbuf, lens[i], 20);
				vals[i] = 0;
				for (j = 0; j < lens[i]; j++)
					vals[i] = vals[i] * 31 + strbuf[j];
				break;
			case 11:
				rc = mdl_put_counted(&w, lens[i]);
				rb = mdl_put_counted(&wb, lens[i]);
				for (j = 0; j < lens[i]; j++) {
					rc = rc ? rc : mdl_put_u16(&w, (u16)(vals[i] + j));
					rb = rb ? rb : mdl_put_u16(&wb, (u16)(vals[i] + j));
				}
				break;
			case 12:
				rc = mdl_put_bytes(&w, strbuf, lens[i]);
				rb = mdl_put_bytes(&wb, strbuf, lens[i]);
				memcpy(&vals[i], strbuf, lens[i] < 8 ? lens[i] : 8);
				break;
			default:
				rc = tv_put_scalar(&w, (enum tv_kind)kinds[i], vals[i]);
				rb = tv_put_scalar(&wb, (enum tv_kind)kinds[i], vals[i]);
				break;
			}
			n_writer++;
			if (rc != 0 && rc != -EMSGSIZE)
				fail("writer call", "random", cap, rc, "not 0 or -EMSGSIZE");
			if (w.pos > cap || (rc && kinds[i] != 11 && w.pos != before))
				fail("writer call", "random", cap, rc, "a failed put moved the position");
			if (rb)
				fail("writer call", "random", sizeof(big), rb, "a put into a large buffer failed");
			if (rc)
				break;
		}
		/* The prefix that fit the small buffer is byte for byte the large buffer's. */
		if (w.pos > wb.pos || memcmp(out, big, w.pos))
			fail("writer", "random", cap, 0, "the small buffer differs from the large one");
		free(out);

		/* Read the large buffer back with the same types. */
		/* The large buffer holds every put tried, the failed one included. */
		done = i < n ? i + 1 : n;
		mdl_reader_init(&r, big, wb.pos);
		rc = 0;
		for (j = 0; j < done; j++) {
			switch (kinds[j]) {
			case 10:
				rc = mdl_get_string(&r, str, sizeof(str), 20, &len);
				v64 = 0;
				for (m = 0; !rc && m < len; m++)
					v64 = v64 * 31 + (u8)str[m];
				if (!rc && (len != lens[j] || v64 != vals[j]))
					rc = -1;
				break;
			case 11:
				rc = mdl_get_counted(&r, 64, 2, &len);
				if (!rc && len != lens[j])
					rc = -1;
				for (m = 0; !rc && m < len; m++) {
					rc = tv_get_scalar(&r, TV_U16, &v64);
					if (!rc && v64 != (u16)(vals[j] + m))
						rc = -1;
				}
				break;
			case 12:
				rc = mdl_get_bytes(&r, got_bytes, lens[j]);
				v64 = 0;
				memcpy(&v64, got_bytes, lens[j] < 8 ? lens[j] : 8);
				if (!rc && lens[j] && memcmp(&v64, &vals[j], lens[j] < 8 ? lens[j] : 8))
					rc = -1;
				break;
			default: {
				u64 mask = tv_size((enum tv_kind)kinds[j]) == 8 ? ~0ull :
					   (1ull << (8 * tv_size((enum tv_kind)kinds[j]))) - 1;

				rc = tv_get_scalar(&r, (enum tv_kind)kinds[j], &v64);
				if (kinds[j] == TV_BOOL)
					mask = 1;
				if (!rc && v64 != (vals[j] & mask) && !(kinds[j] == TV_BOOL && v64 == (vals[j] != 0)))
					rc = -1;
				break;
			}
			}
			if (rc) {
				fail("round trip", "random", wb.pos, rc, "a value read back differs");
				break;
			}
		}
		if (!rc && mdl_expect_end(&r))
			fail("round trip", "random", wb.pos, -1, "bytes left after reading back");
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s RECORDS\n", argv[0]);
		return 2;
	}
	records = fopen(argv[1], "wb");
	if (!records) {
		perror(argv[1]);
		return 2;
	}
	truncations();
	mutations();
	garbage_inputs();
	op_sequences();
	writer_capacities();
	writer_sequences();
	if (fclose(records)) {
		perror(argv[1]);
		return 2;
	}
	printf("truncations %lu\nmutations %lu\ngarbage %lu\nreader calls %lu\nwriter calls %lu\n",
	       n_truncations, n_mutations, n_garbage, n_ops, n_writer);
	printf("inputs %lu\n", n_truncations + n_mutations + n_garbage + n_ops + n_writer);
	printf("failures %lu\n", failures);
	return failures ? 1 : 0;
}
