// The u-driver of test/c/embed.test.ts: the generated user stubs of embed.mdl (of the lying copy,
// which differs in lie's writes only), where pci_dev, device and kobject are the IDL's views.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "emb.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static struct drv_state state;
static struct pci_dev *probed;

static s32 u_probe(struct pci_dev *pdev)
{
	CHECK(pdev->vendor == 0x8086, "the reads arrive");
	CHECK(pdev->dev.kobj.name && !strcmp(pdev->dev.kobj.name, "0000:00:03.0"), "the kernel's kobj.name arrives");
	CHECK(pdev->dev.init_name && !strcmp(pdev->dev.init_name, "e1000"), "the kernel's init_name arrives");
	CHECK(!pdev->dev.driver_data, "no drvdata yet");
	probed = pdev;
	/* pci_set_drvdata(pdev, &state) */
	state.cookie = 0xc0ffee;
	pdev->dev.driver_data = &state;
	return 0;
}

static s32 u_open(struct pci_dev *pdev)
{
	CHECK(pdev == probed, "the pci_dev is the same shadow on every call");
	CHECK(pdev->dev.driver_data == &state, "the drvdata comes back as the u-driver's own object");
	/* This call merged pdev.dev in part: the names probe brought stay (ASan sees a freed one). */
	CHECK(pdev->dev.init_name && !strcmp(pdev->dev.init_name, "e1000"), "init_name is kept by a call that merges the device in part");
	CHECK(pdev->dev.kobj.name && !strcmp(pdev->dev.kobj.name, "0000:00:03.0"), "so is kobj.name");
	state.opens++;
	pdev->dev.id = 0x77;
	CHECK(emb_kernel_set_id(pdev) == 0, "the downcall with pdev.dev in part is served");
	return 0;
}

static s32 u_rename(struct pci_dev *pdev)
{
	CHECK(pdev->dev.kobj.name && !strcmp(pdev->dev.kobj.name, "0000:00:03.0"), "the name arrives");
	pdev->dev.kobj.name = "evil";
	pdev->dev.id = 0x99;
	return 0;
}

static s32 u_lie(struct pci_dev *pdev)
{
	pdev->dev.kobj.name = "evil";
	pdev->dev.id = 0x42;
	return 0;
}

static s32 u_take_whole(struct pci_dev *pdev)
{
	pdev->dev.id = 0x43;
	return 0;
}

static const struct emb_ops u_ops = { .probe = u_probe, .open = u_open, .rename = u_rename, .lie = u_lie, .take_whole = u_take_whole };
static const struct emb_impls u_impls = { .emb_ops = &u_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = emb_user_open(&chan, &ft.t, 1u << 16, &u_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	emb_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
