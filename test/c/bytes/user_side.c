// The u-driver of the counted-void* check: the generated user stubs of bytes.mdl serving probe,
// which checks the bytes that arrived and sends a MAC back down through dev_addr_mod.
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "bytes.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;

static s32 u_probe(struct frame *f, const void *blob, u32 n)
{
	static const u8 want_payload[5] = { 1, 2, 3, 0xfe, 0xff };
	static const u8 want_blob[3] = { 0x00, 0x80, 0x7f };
	const u8 mac[6] = { 0x52, 0x54, 0x00, 0xa1, 0xb2, 0xc3 };

	if (!f) {
		CHECK(!blob && n == 0, "a NULL const void * arrived as NULL");
		return 7;
	}
	CHECK(f->len == sizeof(want_payload) && f->data && memcmp(f->data, want_payload, f->len) == 0,
	      "the void * field arrived as its len bytes");
	CHECK(n == sizeof(want_blob) && blob && memcmp(blob, want_blob, n) == 0, "the const void * parameter arrived as its n bytes");
	CHECK(bytes_kernel_ops_dev_addr_mod(0, mac, sizeof(mac)) == 0, "dev_addr_mod returned 0");
	return 42;
}

static const struct user_ops rt_user_ops = { .probe = u_probe };
static const struct bytes_impls rt_user_impls = { .user_ops = &rt_user_ops };

int main(int argc, char **argv)
{
	return RT_SERVE_PEER(bytes, &chan, &rt_user_impls, argc, argv);
}
