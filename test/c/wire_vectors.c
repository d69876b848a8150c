/* SPDX-License-Identifier: MIT */
/*
 * Each shared vector must decode to what its JSON says and re-encode to the same bytes, as in
 * test/runtime/vectors.test.ts. Included after tv.h and the generated tables (tv_vectors,
 * tv_nvectors); prints "ok NAME" or "FAIL NAME: why" per vector, then "api ..." lines for the
 * C-only behaviour the vectors cannot show.
 */

static int check_vector(const struct tv_vector *v)
{
	struct tv_state st;
	struct mdl_reader r;
	struct mdl_writer w;
	char why[160];
	u8 *in, *out;
	size_t cap = v->len + 64, i;
	int err, bad = 1;

	/* Exact-size copies: reading or writing one byte too far trips ASan. */
	in = tv_alloc(v->len);
	memcpy(in, v->wire, v->len);
	out = tv_alloc(cap);
	tv_state_init(&st, v, v->len);
	st.msg_size = v->len + 1;
	st.msg = tv_alloc(st.msg_size);

	err = tv_decode(&st, in, v->len, &r);
	if (err) {
		printf("FAIL %s: decode: %s at byte %zu (%d)\n", v->name, r.err_msg, r.err_off, err);
		goto out;
	}
	if (tv_check(&st, why, sizeof(why))) {
		printf("FAIL %s: %s\n", v->name, why);
		goto out;
	}
	mdl_writer_init(&w, out, cap);
	err = tv_encode(&st, &w);
	if (err) {
		printf("FAIL %s: encode: %s at byte %zu (%d)\n", v->name, w.err_msg, w.err_off, err);
		goto out;
	}
	if (w.pos != v->len) {
		printf("FAIL %s: re-encoded %zu bytes, not %zu\n", v->name, w.pos, v->len);
		goto out;
	}
	for (i = 0; i < v->len; i++) {
		if (out[i] != v->wire[i]) {
			printf("FAIL %s: re-encoded byte %zu is %02x, not %02x\n", v->name, i, out[i], v->wire[i]);
			goto out;
		}
	}
	printf("ok %s\n", v->name);
	bad = 0;
out:
	free(st.msg);
	tv_state_free(&st);
	free(in);
	free(out);
	return bad;
}

static int api_failed;

static void api(const char *what, int ok)
{
	printf("api %s %s\n", ok ? "ok" : "FAIL", what);
	api_failed += !ok;
}

/* Behaviour of the C API that the vectors do not exercise: cut messages, untouched state on failure. */
static void check_api(void)
{
	static const u8 err_reply[] = {
		0x26, 0, 0, 0, 7, 0, 0, 0, 'a', 'b', 0xc3, 0xa9, 'c', 'd', 'e',
	};
	u8 buf[16], big[64];
	char msg[5], small[4];
	struct mdl_reader r;
	struct mdl_writer w;
	u32 code = 0, len = 0;
	int err;

	/* A message cut to the buffer stops before a split character: "ab" + NUL, not "ab\xc3". */
	mdl_reader_init(&r, err_reply, sizeof(err_reply));
	err = mdl_error_decode(&r, &code, msg, 4, &len);
	api("error message cut before a split character",
	    !err && code == 38 && len == 7 && strcmp(msg, "ab") == 0 && r.pos == sizeof(err_reply));
	mdl_reader_init(&r, err_reply, sizeof(err_reply));
	err = mdl_error_decode(&r, &code, msg, sizeof(msg), &len);
	api("error message cut after a whole character", !err && strcmp(msg, "ab\xc3\xa9") == 0);

	mdl_reader_init(&r, err_reply, sizeof(err_reply));
	err = mdl_error_decode(&r, &code, NULL, 0, &len);
	api("error message validated without a buffer", !err && len == 7);

	/* A destination smaller than max + 1 is refused before any byte is read. */
	mdl_reader_init(&r, "\x01\0\0\0a\0\0\0", 8);
	err = mdl_get_string(&r, small, sizeof(small), 4, &len);
	api("string destination smaller than max + 1 is -EINVAL", err == -EINVAL && r.pos == 0);

	/* A failed put leaves the writer where it was and the bytes after it alone. */
	memset(buf, 0xaa, sizeof(buf));
	mdl_writer_init(&w, buf, 6);
	err = mdl_put_u8(&w, 1);
	err = err ? err : mdl_put_u64(&w, 2);
	api("a full writer is -EMSGSIZE and writes nothing",
	    err == -EMSGSIZE && w.pos == 1 && w.err_off == 1 && buf[1] == 0xaa && buf[5] == 0xaa);

	mdl_writer_init(&w, big, sizeof(big));
	err = mdl_put_string(&w, "a\0b", 3, 16);
	api("a string with a NUL inside is refused on send", err == -EPROTO && w.pos == 0);
	err = mdl_put_str(&w, "toolong", 3);
	api("a string over its max is refused on send", err == -EPROTO && w.pos == 0);
	err = mdl_error_encode(&w, 5, "\xc3", 1);
	api("an error message that is not UTF-8 is refused on send", err == -EPROTO && w.pos == 0);

	/* A position past the end (a caller bug) never turns into an out-of-bounds read. */
	mdl_reader_init(&r, buf, 4);
	r.pos = 9;
	api("a reader past its end is -EINVAL", mdl_get_u8(&r, &buf[0]) == -EINVAL && r.pos == 9);
}

int main(void)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < tv_nvectors; i++)
		failed += check_vector(&tv_vectors[i]);
	check_api();
	printf("vectors: %zu checked, %d failed; api checks failed: %d\n", tv_nvectors, failed, api_failed);
	return failed || api_failed ? 1 : 0;
}
