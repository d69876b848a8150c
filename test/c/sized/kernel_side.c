// The k-driver of the sized-buffer test (test/c/sized.test.ts): the generated kernel stubs of
// sized.mdl (kernel flavour, on test/c/shim) call the u-driver's get_strings with a buffer of LEN
// bytes followed by a guard. The buffer holds stale bytes, which never cross: the call carries its
// count alone. The reply's LEN bytes land in the buffer and nothing after it; a length above
// max(4096) is refused before anything is sent; and a reply whose count is not the kernel's own
// length (rewritten on its way in, as a hostile u-driver would send it) is refused with the buffer
// left as it was.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "sized.h"
#include "mdidl_fd.h"

#define LEN 100
#define GUARD 64
#define STALE 0x5a

static struct net_device kdev = { .ifindex = 7 };
static u8 buf[LEN + GUARD];
static s64 forge_count = -1;
static int forged;
static size_t longest_call;

static int measuring_send(struct mdl_transport *t, const void *msg, size_t len)
{
	const u8 *p = msg;

	if (len > 8 && p[8] == MDL_KIND_CALL && len > longest_call)
		longest_call = len;
	return mdl_fd_send(t, msg, len);
}

/*
 * The reply to the call of set 4: its count of LEN (aligned to 4), then LEN bytes of that set's
 * pattern from the next multiple of 8 (the wire format's counted array), rewritten to forge_count.
 */
static long forging_recv(struct mdl_transport *t, void *msg, size_t cap)
{
	long n = mdl_fd_recv(t, msg, cap);
	u8 *p = msg;
	long i, at;
	u32 k;

	if (forge_count < 0 || n <= 32 || p[8] != MDL_KIND_REPLY)
		return n;
	for (i = 32; i + 4 <= n; i += 4) {
		at = (i + 4 + 7) & ~7L;
		if (mdl_load_le32(p + i) != LEN || at + LEN > n)
			continue;
		for (k = 0; k < LEN && p[at + k] == (u8)(k * 7 + 4); k++)
			;
		if (k == LEN) {
			mdl_store_le32(p + i, (u32)forge_count);
			forged++;
			break;
		}
	}
	return n;
}

static void fresh(void)
{
	memset(buf, STALE, LEN);
	memset(buf + LEN, 0xa5, GUARD);
}

static int filled(u32 set)
{
	u32 i;

	for (i = 0; i < LEN; i++)
		if (buf[i] != (u8)(i * 7 + set))
			return 0;
	return 1;
}

static int untouched(void)
{
	u32 i;

	for (i = 0; i < LEN; i++)
		if (buf[i] != STALE)
			return 0;
	for (i = LEN; i < LEN + GUARD; i++)
		if (buf[i] != 0xa5)
			return 0;
	return 1;
}

static int guard_kept(void)
{
	u32 i;

	for (i = LEN; i < LEN + GUARD; i++)
		if (buf[i] != 0xa5)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	ft.t.recv = forging_recv;
	ft.t.send = measuring_send;
	CHECK(sized_kernel_open(&chan, &ft.t, 1u << 16, NULL) == 0, "open");

	fresh();
	chan.last_error = 0;
	sized_ops_get_strings(&kdev, 1, buf, LEN);
	CHECK(chan.last_error == 0, "set 1: the call succeeded");
	CHECK(filled(1) && guard_kept(), "set 1: the u-driver's LEN bytes are in the buffer, and nothing after it");
	CHECK(longest_call > 32 && longest_call < 32 + LEN, "set 1: the call carried the buffer's count, not its bytes");

	fresh();
	sized_ops_get_strings(&kdev, 2, buf, 4097);
	CHECK(chan.last_error == -EINVAL, "set 2: a length above max(4096) is refused before it is sent");
	CHECK(untouched(), "set 2: the buffer is as it was");

	fresh();
	chan.last_error = 0;
	sized_ops_get_strings(&kdev, 3, buf, LEN);
	CHECK(chan.last_error == 0 && filled(3) && guard_kept(), "set 3: the channel still works, LEN bytes and no more");

	/* A hostile reply: more elements than the kernel's length. */
	fresh();
	forge_count = LEN + GUARD;
	sized_ops_get_strings(&kdev, 4, buf, LEN);
	CHECK(forged == 1, "set 4: the reply's count was rewritten to LEN + GUARD");
	CHECK(chan.last_error != 0, "set 4: a reply counting more than the kernel's length is refused");
	CHECK(untouched(), "set 4: the buffer and its guard are as they were");

	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	sized_kernel_close(&chan);
	printf("kernel: %d checks, %d failures (%d forged)\n", rt_checks, rt_failures, forged);
	return rt_failures ? 1 : 0;
}
