// The k-driver of the counted-void* check in user space: the generated kernel stubs of bytes.mdl
// (kernel flavour, built against test/c/shim). It hands the u-driver bytes in a `void *` field and
// a `const void *` parameter, and receives the u-driver's MAC through dev_addr_mod's `const void *`.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "bytes.h"
#include "mdidl_fd.h"

static u8 mac[6];
static u32 mac_offset;
static unsigned long mac_len;
static int mod_calls;

static s32 k_dev_addr_mod(u32 offset, const void *addr, unsigned long len)
{
	mod_calls++;
	mac_offset = offset;
	mac_len = len;
	if (addr && len <= sizeof(mac))
		memcpy(mac, addr, len);
	return addr ? 0 : -1;
}

static const struct kernel_ops rt_kernel_ops = { .dev_addr_mod = k_dev_addr_mod };
static const struct bytes_impls rt_kernel_impls = { .kernel_ops = &rt_kernel_ops };

int main(int argc, char **argv)
{
	static const u8 want_mac[6] = { 0x52, 0x54, 0x00, 0xa1, 0xb2, 0xc3 };
	u8 payload[5] = { 1, 2, 3, 0xfe, 0xff };
	u8 blob[3] = { 0x00, 0x80, 0x7f };
	struct frame f = { .len = sizeof(payload), .data = payload };
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	CHECK(bytes_kernel_open(&chan, &ft.t, 1u << 16, &rt_kernel_impls) == 0, "open");
	CHECK(bytes_user_ops_probe(&f, blob, sizeof(blob)) == 42, "the u-driver got the bytes of the field and the parameter");
	CHECK(mod_calls == 1, "the u-driver called dev_addr_mod once, from inside the upcall");
	CHECK(mac_offset == 0 && mac_len == sizeof(want_mac), "dev_addr_mod's scalars crossed");
	CHECK(memcmp(mac, want_mac, sizeof(want_mac)) == 0, "the MAC crossed as the six bytes the u-driver sent");
	CHECK(bytes_user_ops_probe(NULL, NULL, 0) == 7, "a NULL void * crosses as NULL");
	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	bytes_kernel_close(&chan);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
