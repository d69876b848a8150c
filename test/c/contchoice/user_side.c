// The u-driver of the container-choice test (test/c/contchoice.test.ts): the generated user stubs
// of contchoice.mdl. run_work answers which member of the adapter probe gave it the pointer is,
// and for the watchdog's work item hands every member of that adapter back down, as the split
// e1000 schedules and cancels its work items; a pointer into no adapter that crossed is refused
// before it is sent.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "contchoice.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static struct adapter *ua;
static struct holder *uh;

static s32 u_probe(struct adapter *a, struct holder *h)
{
	CHECK(a && a->msg_enable == 7 && h && h->tag == 9, "probe: the adapter and the holder arrived");
	ua = a;
	uh = h;
	return 0;
}

/* Each member of the adapter handed down: the kernel answers 0 when it got its own same member. */
static void hand_down(void)
{
	struct adapter stray;

	memset(&stray, 0, sizeof(stray));
	CHECK(contchoice_kernel_ops_queue_delayed_work_on(101, &ua->watchdog_task, 10100) == 0,
	      "queue: &ua->watchdog_task arrived as the kernel's own");
	CHECK(contchoice_kernel_ops_queue_delayed_work_on(102, &ua->fifo_stall_task, 10200) == 0,
	      "queue: &ua->fifo_stall_task arrived as the kernel's own");
	CHECK(contchoice_kernel_ops_queue_delayed_work_on(103, &ua->phy_info_task, 10300) == 0,
	      "queue: &ua->phy_info_task arrived as the kernel's own");
	CHECK(contchoice_kernel_ops_queue_delayed_work_on(104, NULL, 10400) == 0, "queue: NULL arrived as NULL");
	CHECK(contchoice_kernel_ops_cancel_work_sync(&ua->reset_task) == 0,
	      "cancel: &ua->reset_task arrived as the kernel's own");
	CHECK(contchoice_kernel_ops_cancel_work_sync(&ua->phy_info_task.work) == 0,
	      "cancel: &ua->phy_info_task.work, a member path, arrived as the kernel's own");
	CHECK(contchoice_kernel_ops_queue_delayed_work_on(105, &stray.fifo_stall_task, 1) == -EINVAL,
	      "queue: a member of an adapter that never crossed is refused before it is sent");
	CHECK(contchoice_kernel_ops_queue_delayed_work_on(106, &uh->dw, 1) == -EINVAL,
	      "queue: a delayed_work in a holder that crossed, but in no adapter, is refused");
	CHECK(contchoice_kernel_ops_cancel_work_sync(&ua->watchdog_task.work) == -EINVAL,
	      "cancel: a member of the adapter that is not one of the listed ones is refused");
	CHECK(contchoice_kernel_ops_cancel_work_sync(NULL) == -EINVAL, "cancel: a NULL [ref] pointer is refused");
}

static s32 u_run_work(struct work_struct *work)
{
	if (!work)
		return 9;
	if (!ua)
		return -1;
	if (work == &ua->reset_task)
		return 10;
	if (work == &ua->watchdog_task.work) {
		hand_down();
		return 11;
	}
	if (work == &ua->fifo_stall_task.work)
		return 12;
	if (work == &ua->phy_info_task.work)
		return 13;
	return -2;
}

static const struct user_ops rt_user_ops = { .probe = u_probe, .run_work = u_run_work };
static const struct contchoice_impls rt_user_impls = { .user_ops = &rt_user_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = contchoice_user_open(&chan, &ft.t, 1u << 16, &rt_user_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	contchoice_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
