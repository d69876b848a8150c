// The k-driver of test/c/embed.test.ts: the generated kernel stubs of embed.mdl (kernel flavour,
// user space, test/c/shim) over a SOCK_SEQPACKET socketpair to user_side.c. The kernel's pci_dev
// holds its device by value; the u-driver writes one field of it and only reads the const names
// beside it, which the kernel never takes from a message.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "kdefs.h"
#include "emb.h"
#include "mdidl_fd.h"

static const char kname[] = "0000:00:03.0";
static const char kinit[] = "e1000";
static struct kobject root = { .name = "pci0000:00" };
static struct pci_dev *the_pdev;
static int set_id_calls;
static unsigned int id_seen;

static s32 k_set_id(struct pci_dev *pdev)
{
	set_id_calls++;
	id_seen = (u32)pdev->dev.id;
	CHECK(pdev == the_pdev, "the downcall names the kernel's own pci_dev");
	CHECK(pdev->dev.kobj.name == kname && pdev->dev.init_name == kinit, "the downcall's pci_dev keeps the kernel's names");
	return 0;
}

static const struct emb_kernel k_ops = { .set_id = k_set_id };
static const struct emb_impls k_impls = { .emb_kernel = &k_ops };

/* The parts of the device no reply may change. */
static int untouched(const struct pci_dev *p)
{
	return p->dev.kobj.name == kname && !strcmp(kname, "0000:00:03.0") && p->dev.init_name == kinit &&
	       p->dev.kobj.parent == &root && p->dev.kobj.kernel_only == 0x5eed &&
	       p->vendor == 0x8086 && p->irq == 11;
}

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	struct pci_dev *pdev;
	struct drv_state *st;
	int fd;
	s32 r;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	mdl_fd_transport_init(&ft, fd, 20000);
	CHECK(emb_kernel_open(&chan, &ft.t, 1u << 16, &k_impls) == 0, "open");

	the_pdev = pdev = calloc(1, sizeof(*pdev));
	pdev->vendor = 0x8086;
	pdev->irq = 11;
	pdev->dev.kobj.name = kname;
	pdev->dev.kobj.parent = &root;
	pdev->dev.kobj.kernel_only = 0x5eed;
	pdev->dev.init_name = kinit;
	pdev->dev.id = 1;

	r = emb_ops_probe(pdev);
	CHECK(r == 0, "probe's reply, which writes dev.driver_data beside the const kobj.name, is applied");
	st = pdev->dev.driver_data;
	CHECK(st && st->cookie == 0xc0ffee, "dev.driver_data is the u-driver's state, with what it wrote there");
	CHECK(untouched(pdev) && pdev->dev.id == 1, "the rest of the embedded device is the kernel's still");

	r = emb_ops_open(pdev);
	CHECK(r == 0, "open succeeds");
	CHECK(set_id_calls == 1 && id_seen == 0x77, "a downcall whose call carries pdev.dev in part is served");
	CHECK(pdev->dev.id == 0x77, "and the id it carries are merged into the kernel's device");
	CHECK(pdev->dev.driver_data == st && st->opens == 1, "open's write lands in the drvdata, which keeps its identity");
	CHECK(untouched(pdev), "the names and the rest stay the kernel's");

	r = emb_ops_rename(pdev);
	CHECK(r == 0, "a reply from a u-driver that renamed its copy is applied: the name is not in it");
	CHECK(pdev->dev.id == 0x99, "its write of dev.id lands");
	CHECK(untouched(pdev), "the kernel's name is its own");

	r = emb_ops_lie(pdev);
	CHECK(r < 0, "a reply that carries a new value for kobj.name is refused");
	CHECK(pdev->dev.id == 0x99 && untouched(pdev), "and changes nothing, not even the id it wrote");

	r = emb_ops_take_whole(pdev);
	CHECK(r < 0, "a reply that writes the embedded device whole is refused: its const pointers would be applied");
	CHECK(pdev->dev.id == 0x99 && pdev->dev.driver_data == st && untouched(pdev), "and changes nothing");

	r = emb_ops_open(pdev);
	CHECK(r == 0 && st->opens == 2 && set_id_calls == 2, "the channel works on after the refusals");

	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	emb_kernel_close(&chan);
	free(pdev);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
