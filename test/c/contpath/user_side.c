// The u-driver of the member-path container test: the generated user stubs of contpath.mdl. Each
// upcall checks that the pointer it got is the member of the adapter probe gave it, and watchdog
// hands pointers into that adapter back down, as the split e1000_watchdog does.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "contpath.h"
#include "mdidl_fd.h"

static struct mdl_chan chan;
static struct adapter *ua;

static s32 u_probe(struct adapter *a, struct holder *h)
{
	CHECK(a && a->msg_enable == 7 && h && h->tag == 9, "probe: the adapter and the holder arrived");
	CHECK((void *)a != (void *)h, "two objects, two shadows");
	ua = a;
	return 0;
}

static s32 u_watchdog(struct work_struct *work)
{
	if (!work)
		return 5;
	CHECK(ua && work == &ua->watchdog_task.work, "watchdog: the pointer is &ua->watchdog_task.work");
	CHECK(contpath_kernel_ops_schedule(&ua->watchdog_task.work, 250) == 0, "schedule: the kernel got its own member");
	CHECK(contpath_kernel_ops_mod_timer(&ua->watchdog_task.timer, 1000) == 0, "mod_timer: the kernel got its own member");
	return 11;
}

static s32 u_deep_work(struct work_struct *work)
{
	CHECK(ua && work == &ua->deep.dw.work, "deep_work: the pointer is &ua->deep.dw.work");
	return 12;
}

static s32 u_reset(struct work_struct *work)
{
	CHECK(ua && work == &ua->reset_task, "reset: the pointer is &ua->reset_task");
	return 13;
}

static const struct user_ops rt_user_ops = { .probe = u_probe, .watchdog = u_watchdog, .deep_work = u_deep_work, .reset = u_reset };
static const struct contpath_impls rt_user_impls = { .user_ops = &rt_user_ops };

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	size_t cap = (1u << 16) + 32;
	u8 *buf = malloc(cap);
	int err;

	if (argc < 2 || !buf)
		return 2;
	mdl_fd_transport_init(&ft, atoi(argv[1]), 20000);
	err = contpath_user_open(&chan, &ft.t, 1u << 16, &rt_user_impls);
	CHECK(err == 0, "open");
	err = mdl_chan_run(&chan, buf, cap);
	CHECK(err == -ESHUTDOWN, "the user side runs until the kernel side goes away");
	contpath_user_close(&chan);
	free(buf);
	printf("user: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
