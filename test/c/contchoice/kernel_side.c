// The k-driver of the container-choice test (test/c/contchoice.test.ts): the generated kernel
// stubs of test/c/corpus/contchoice.mdl (kernel flavour, built against test/c/shim) hand the
// u-driver pointers to each member a [container] lists (&ka.fifo_stall_task.work, ...) and receive
// the u-driver's pointers to each member of its adapter as the same member of ka. Then the
// u-driver's recorded queue_delayed_work_on() call is served again with its member index and
// adapter id forged: an index picks another member, one out of range is refused, and so is an id
// that is not an adapter that crossed and is still known.
#include <stdlib.h>
#include <string.h>
#include "../roundtrip/check.h"
#include "../roundtrip/peer.h"
#include "contchoice.h"
#include "mdidl_fd.h"

static struct adapter ka = { .msg_enable = 7 };
static struct holder kh = { .tag = 9 };
static struct delayed_work *queued;
static int queue_calls;
static u8 *recorded;
static size_t recorded_len;

static s32 k_queue_delayed_work_on(s32 cpu, struct delayed_work *work, u64 delay)
{
	static struct delayed_work *const want[] = { NULL, &ka.watchdog_task, &ka.fifo_stall_task, &ka.phy_info_task, NULL };

	queue_calls++;
	queued = work;
	/* The u-driver's cpu 101..104 says which member it sent (delay cpu * 100: distinct words). */
	if (cpu < 101 || cpu > 104 || delay != (u64)cpu * 100)
		return -1;
	return work == want[cpu - 100] ? 0 : -1;
}

static s32 k_cancel_work_sync(struct work_struct *work)
{
	return work == &ka.reset_task || work == &ka.phy_info_task.work ? 0 : -1;
}

static const struct kernel_ops rt_kernel_ops = { .queue_delayed_work_on = k_queue_delayed_work_on, .cancel_work_sync = k_cancel_work_sync };
static const struct contchoice_impls rt_kernel_impls = { .kernel_ops = &rt_kernel_ops };

/* The u-driver's first queue_delayed_work_on() call (&ua->watchdog_task), to serve again forged. */
static long rec_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	long n = mdl_fd_recv(t, buf, cap);

	if (n > 32 && !recorded && ((const u8 *)buf)[8] == MDL_KIND_CALL &&
	    mdl_load_le32((const u8 *)buf + 16) == CONTCHOICE_FN_KERNEL_OPS_QUEUE_DELAYED_WORK_ON) {
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

/* The recorded call with the adapter's id `id` replaced by `to` and the member index after it by `index`, served. */
static int replay_with(struct mdl_chan *c, u32 id, u32 to, u32 index)
{
	struct mdl_transport quiet = { .send = null_send, .recv = NULL };
	struct mdl_transport *tr = c->tr;
	u8 *msg = malloc(recorded_len);
	size_t i, at = 0, hits = 0;
	int err;

	if (!msg)
		return -ENOMEM;
	memcpy(msg, recorded, recorded_len);
	for (i = 32; i + 8 <= recorded_len; i += 4) {
		if (mdl_load_le32(msg + i) == id) {
			at = i;
			hits++;
		}
	}
	CHECK(hits == 1 && mdl_load_le32(msg + at + 4) == 0,
	      "the recorded call carries the adapter's id once, then member index 0");
	mdl_store_le32(msg + at, to);
	mdl_store_le32(msg + at + 4, index);
	queued = NULL;
	c->tr = &quiet;
	err = mdl_chan_serve(c, msg, recorded_len);
	c->tr = tr;
	free(msg);
	return err;
}

static void forge(struct mdl_chan *c)
{
	u32 ka_id = mdl_chan_id_of(c, &ka, CONTCHOICE_ID_ADAPTER);
	u32 kh_id = mdl_chan_id_of(c, &kh, CONTCHOICE_ID_HOLDER);
	u32 unknown = (ka_id + 0x1000) & ~MDL_HOME_USER;
	int before;

	CHECK(recorded_len > 0, "queue_delayed_work_on() was recorded");
	if (!recorded_len)
		return;
	CHECK(ka_id && kh_id && ka_id != kh_id, "the adapter and the holder crossed");
	before = queue_calls;
	CHECK(replay_with(c, ka_id, ka_id, 0) == 0 && queued == &ka.watchdog_task,
	      "served again as recorded, the pointer is &ka.watchdog_task again");
	CHECK(replay_with(c, ka_id, ka_id, 1) == 0 && queued == &ka.fifo_stall_task,
	      "index 1 is the second member written, &ka.fifo_stall_task");
	CHECK(replay_with(c, ka_id, ka_id, 2) == 0 && queued == &ka.phy_info_task,
	      "index 2 is the third member written, &ka.phy_info_task");
	CHECK(replay_with(c, ka_id, 0, 0) == 0 && !queued, "id 0 with index 0 is NULL");
	CHECK(queue_calls == before + 4, "each accepted call reached the driver");
	CHECK(replay_with(c, ka_id, ka_id, 3) == -EPROTO, "index 3 of 3 members is refused");
	CHECK(replay_with(c, ka_id, ka_id, 0xffffffffu) == -EPROTO, "index 0xffffffff is refused");
	CHECK(replay_with(c, ka_id, 0, 1) == -EPROTO, "NULL with a member index is refused");
	CHECK(replay_with(c, ka_id, kh_id, 0) == -EPROTO, "the id of an object of another type is refused");
	CHECK(replay_with(c, ka_id, unknown, 0) == -EPROTO, "an id the kernel never issued is refused");
	CHECK(mdl_chan_forget(c, &ka, CONTCHOICE_ID_ADAPTER) == 0, "forget the adapter");
	CHECK(replay_with(c, ka_id, ka_id, 1) == -EPROTO, "the id of an adapter the kernel forgot is refused");
	CHECK(queue_calls == before + 4, "no refused call reached the driver");
}

int main(int argc, char **argv)
{
	struct mdl_fd_transport ft;
	struct mdl_chan chan;
	struct adapter stray;
	int fd;
	pid_t pid;

	if (argc < 2 || (fd = rt_spawn_peer(argv[1], &pid)) < 0)
		return 2;
	memset(&stray, 0, sizeof(stray));
	mdl_fd_transport_init(&ft, fd, 20000);
	ft.t.recv = rec_recv;
	CHECK(contchoice_kernel_open(&chan, &ft.t, 1u << 16, &rt_kernel_impls) == 0, "open");
	CHECK(contchoice_user_ops_run_work(&ka.reset_task) == -EINVAL,
	      "before probe no adapter crossed: a pointer into ka is refused before it is sent");
	CHECK(contchoice_user_ops_probe(&ka, &kh) == 0, "probe: the u-driver has its adapter");
	CHECK(contchoice_user_ops_run_work(&ka.reset_task) == 10, "run_work: the u-driver got &its_adapter->reset_task");
	CHECK(contchoice_user_ops_run_work(&ka.watchdog_task.work) == 11,
	      "run_work: the u-driver got &its_adapter->watchdog_task.work (and handed its members down)");
	CHECK(contchoice_user_ops_run_work(&ka.fifo_stall_task.work) == 12,
	      "run_work: the u-driver got &its_adapter->fifo_stall_task.work");
	CHECK(contchoice_user_ops_run_work(&ka.phy_info_task.work) == 13,
	      "run_work: the u-driver got &its_adapter->phy_info_task.work");
	CHECK(contchoice_user_ops_run_work(NULL) == 9, "a NULL container pointer crosses as NULL");
	CHECK(contchoice_user_ops_run_work(&stray.fifo_stall_task.work) == -EINVAL,
	      "a member of an adapter that never crossed is refused before it is sent");
	CHECK(contchoice_user_ops_run_work(&kh.dw.work) == -EINVAL,
	      "a work item in the holder, which crossed but is no adapter, is refused");
	CHECK(queue_calls == 4, "the u-driver's four accepted queue calls reached the driver");
	forge(&chan);
	close(fd);
	CHECK(rt_peer_passed(pid), "the u-driver's checks passed");
	contchoice_kernel_close(&chan);
	free(recorded);
	printf("kernel: %d checks, %d failures\n", rt_checks, rt_failures);
	return rt_failures ? 1 : 0;
}
