// The k-driver of the member-path container test (test/c/contpath.test.ts): the generated kernel
// stubs of test/c/corpus/contpath.mdl (kernel flavour, built against test/c/shim) hand the u-driver
// pointers to members nested in its adapter's embedded structs (&ka.watchdog_task.work, as Linux
// hands e1000_watchdog its work item) and receive the u-driver's pointers into its own adapter
// back as pointers into ka. Then the u-driver's recorded schedule() call is served again with the
// adapter's id forged: only an adapter that crossed, and is still known, is accepted.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "contpath.h"
#include "mdidl_fd.h"

static struct adapter ka = { .msg_enable = 7 };
static struct holder kh = { .tag = 9 };
static struct work_struct *sched_work;
static u32 sched_delay;
static int sched_calls;
static struct timer_list *timer_got;
static u64 timer_expires;
static int timer_calls;
static u8 *recorded;
static size_t recorded_len;

static s32 k_schedule(struct work_struct *work, u32 delay)
{
	sched_calls++;
	sched_work = work;
	sched_delay = delay;
	return work == &ka.watchdog_task.work ? 0 : -1;
}

static s32 k_mod_timer(struct timer_list *timer, u64 expires)
{
	timer_calls++;
	timer_got = timer;
	timer_expires = expires;
	return timer == &ka.watchdog_task.timer ? 0 : -1;
}

static const struct kernel_ops rt_kernel_ops = { .schedule = k_schedule, .mod_timer = k_mod_timer };
static const struct contpath_impls rt_kernel_impls = { .kernel_ops = &rt_kernel_ops };

/* The u-driver's first schedule() call, to serve again with its adapter id forged. */
static long rec_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	long n = mdl_fd_recv(t, buf, cap);

	if (n > 32 && !recorded && ((const u8 *)buf)[8] == MDL_KIND_CALL &&
	    mdl_load_le32((const u8 *)buf + 16) == CONTPATH_FN_KERNEL_OPS_SCHEDULE) {
		recorded = malloc((size_t)n);
		if (recorded) {
			memcpy(recorded, buf, (size_t)n);
			recorded_len = (size_t)n;
		}
	}
	return n;
}

static int null_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	(void)msg;
	(void)len;
	return 0;
}

/* The recorded call with the u32 `from` in its payload replaced by `to`, served (reply dropped). */
static int replay_with(struct mdl_chan *c, u32 from, u32 to)
{
	struct mdl_transport quiet = { .send = null_send, .recv = NULL };
	struct mdl_transport *tr = c->tr;
	u8 *msg = malloc(recorded_len);
	size_t i, hits = 0;
	int err;

	if (!msg)
		return -ENOMEM;
	memcpy(msg, recorded, recorded_len);
	for (i = 32; i + 4 <= recorded_len; i += 4) {
		if (mdl_load_le32(msg + i) == from) {
			mdl_store_le32(msg + i, to);
			hits++;
		}
	}
	CHECK(hits == 1, "the recorded call carries the adapter's id once");
	c->tr = &quiet;
	err = mdl_chan_serve(c, msg, recorded_len);
	c->tr = tr;
	free(msg);
	return err;
}

static void forge(struct mdl_chan *c)
{
	u32 ka_id = mdl_chan_id_of(c, &ka, CONTPATH_ID_ADAPTER);
	u32 kh_id = mdl_chan_id_of(c, &kh, CONTPATH_ID_HOLDER);
	u32 unknown = (ka_id + 0x1000) & ~MDL_HOME_USER;
	int before;

	CHECK(recorded_len > 0, "schedule() was recorded");
	if (!recorded_len)
		return;
	CHECK(ka_id && kh_id && ka_id != kh_id && !(ka_id & MDL_HOME_USER), "the adapter and the holder crossed with ids of the kernel");
	before = sched_calls;
	sched_work = NULL;
	CHECK(replay_with(c, ka_id, ka_id) == 0 && sched_work == &ka.watchdog_task.work,
	      "served again as recorded, the pointer is &ka.watchdog_task.work again");
	CHECK(replay_with(c, ka_id, kh_id) == -EPROTO, "the id of an object of another type is refused");
	CHECK(replay_with(c, ka_id, unknown) == -EPROTO, "an id the kernel never issued is refused");
	CHECK(mdl_chan_forget(c, &ka, CONTPATH_ID_ADAPTER) == 0, "forget the adapter");
	CHECK(replay_with(c, ka_id, ka_id) == -EPROTO, "the id of an adapter the kernel forgot is refused");
	CHECK(sched_calls == before + 1, "no refused call reached the driver");
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
	ft.t.recv = rec_recv;
	CHECK(contpath_kernel_open(&chan, &ft.t, 1u << 16, &rt_kernel_impls) == 0, "open");
	CHECK(contpath_user_ops_probe(&ka, &kh) == 0, "probe: the u-driver has its adapter");
	CHECK(contpath_user_ops_watchdog(&ka.watchdog_task.work) == 11,
	      "watchdog: the u-driver got &its_adapter->watchdog_task.work");
	CHECK(sched_calls == 1 && sched_work == &ka.watchdog_task.work && sched_delay == 250,
	      "schedule: the u-driver's &ua->watchdog_task.work arrived as &ka.watchdog_task.work");
	CHECK(timer_calls == 1 && timer_got == &ka.watchdog_task.timer && timer_expires == 1000,
	      "mod_timer: the u-driver's &ua->watchdog_task.timer arrived as &ka.watchdog_task.timer");
	CHECK(contpath_user_ops_deep_work(&ka.deep.dw.work) == 12,
	      "deep_work: two embedded structs deep, the u-driver got &its_adapter->deep.dw.work");
	CHECK(contpath_user_ops_reset(&ka.reset_task) == 13, "reset: a one-field container still crosses");
	CHECK(contpath_user_ops_watchdog(NULL) == 5, "a NULL container pointer crosses as NULL");
	CHECK(contpath_user_ops_deep_work(NULL) == -EINVAL, "a NULL [ref] container pointer is refused before it is sent");
	forge(&chan);
	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	contpath_kernel_close(&chan);
	free(recorded);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
