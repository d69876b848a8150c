// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mdidl_kdev.c - the k-driver's transport: a misc character device the u-driver opens.
 *
 * Three queues, all under d->lock (a spinlock: the wait conditions and poll take it, and
 * nothing done under it sleeps; messages are allocated and freed outside it):
 *
 *   outbox  kernel -> user, drained by read();
 *   inbox   user -> the kernel thread waiting for the answer to its call ("the caller");
 *   calls   user -> the serve worker, which hands each to mdl_chan_serve().
 *
 * The caller is known from the moment it sends its call, not from when it starts waiting in
 * recv: the u-driver may answer before the caller gets there, and that answer must not be lost.
 * d->waiting counts the caller's calls still unanswered (more than one when it makes a call while
 * serving a nested one).
 *
 * d->gen changes whenever the peer goes away (release, destroy). The caller and the serve worker
 * record the generation they work for; once it is stale they get -ESHUTDOWN from send and recv,
 * so nothing meant for a dead u-driver reaches the next one to open the device.
 *
 * MMIO regions: mmap only checks the request and marks the mapping; its pages are filled by the
 * fault handler, under d->regions_lock, from the region offered at that moment. A withdraw clears
 * the region under the same lock and then zaps the opener's mappings, so a page is either filled
 * before the zap (and zapped) or faults after it (and gets SIGBUS). Filling the whole mapping in
 * mmap (io_remap_pfn_range) would race with a withdraw: the new mapping is linked where the zap
 * looks for it only after the driver's mmap returns.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pgtable.h>
#include <linux/poll.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mdidl_kdev.h"
#include "mdidl_wire.h"

/* Header bytes the device routes by; the channel checks the rest. */
#define MDL_KDEV_KIND_AT	8
#define MDL_KDEV_FLAGS_AT	9
#define MDL_KDEV_CALL_ID_AT	20

/*
 * write() refuses more once the three queues together hold this many messages. A u-driver that
 * writes calls without reading the replies would otherwise make the kernel allocate without
 * bound; a well-behaved one has a handful in flight.
 */
#define MDL_KDEV_MAX_QUEUED	64

struct mdl_kmsg {
	struct list_head node;
	size_t len;
	u8 data[];
};

/* Pages of a region index's file offsets, and the page within a region. */
#define MDL_KDEV_REGION_PAGE_SHIFT	(MDL_KDEV_REGION_SHIFT - PAGE_SHIFT)
#define MDL_KDEV_REGION_PAGE_MASK	((1UL << MDL_KDEV_REGION_PAGE_SHIFT) - 1)

struct mdl_kdev_region {
	phys_addr_t start;
	resource_size_t len;		/* 0: nothing offered */
	unsigned int flags;
};

struct mdl_kdev {
	struct mdl_transport transport;
	struct miscdevice misc;
	struct mdl_chan *chan;
	bool registered;	/* the device node exists (mdl_kdev_start) */
	/* Until mdl_kdev_destroy: release may still tell the channel, and flush the workqueue. */
	struct mutex life;
	bool chan_live;
	struct workqueue_struct *wq;
	struct work_struct serve_work;
	/*
	 * Held by the creator, an open file, and each thread inside send or recv: destroy may
	 * come before the file is closed, or while a thread still waits for an answer.
	 */
	struct kref ref;
	char *name;
	unsigned int timeout_ms;
	size_t max_msg;

	wait_queue_head_t read_wq;	/* readers and pollers: outbox not empty, or destroyed */
	wait_queue_head_t inbox_wq;	/* the caller: inbox not empty, or generation changed */

	spinlock_t lock;		/* protects everything below */
	bool open;
	bool dead;			/* destroyed, the file may still be open */
	unsigned int gen;
	unsigned int queued;
	struct list_head outbox;
	struct list_head inbox;
	struct list_head calls;
	struct task_struct *caller;
	unsigned int caller_gen;
	unsigned int waiting;
	struct task_struct *server;	/* the serve worker, while it serves a call */
	unsigned int server_gen;

	/*
	 * A mutex, not d->lock: the fault handler fills page tables under it, which may sleep. Taken
	 * inside the mm's mmap_lock (mmap, faults), outside the file mapping's i_mmap_rwsem (zap).
	 */
	struct mutex regions_lock;	/* protects what follows */
	struct mdl_kdev_region regions[MDL_KDEV_REGIONS];
	struct mm_struct *opener_mm;	/* the only address space that may map; grabbed at open */
	struct address_space *mapping;	/* the opener's file's, which every mapping is of */

	struct work_struct *open_work;	/* queued at each open (mdl_kdev_notify_open) */
};

static struct mdl_kmsg *mdl_kmsg_alloc(size_t len)
{
	struct mdl_kmsg *m;

	/* kvmalloc: a large message need not be physically contiguous */
	m = kvmalloc(struct_size(m, data, len), GFP_KERNEL);
	if (m)
		m->len = len;
	return m;
}

static void mdl_kmsg_free_list(struct list_head *list)
{
	struct mdl_kmsg *m, *tmp;

	list_for_each_entry_safe(m, tmp, list, node) {
		list_del(&m->node);
		kvfree(m);
	}
}

static void mdl_kdev_free(struct kref *ref)
{
	struct mdl_kdev *d = container_of(ref, struct mdl_kdev, ref);

	kfree(d->name);
	kfree(d);
}

static u8 mdl_kmsg_kind(const struct mdl_kmsg *m)
{
	return m->data[MDL_KDEV_KIND_AT];
}

static bool mdl_kmsg_nested(const struct mdl_kmsg *m)
{
	return m->data[MDL_KDEV_FLAGS_AT] & MDL_FLAG_NESTED;
}

static void mdl_kdev_enqueue(struct mdl_kdev *d, struct list_head *q, struct mdl_kmsg *m)
{
	lockdep_assert_held(&d->lock);
	list_add_tail(&m->node, q);
	d->queued++;
}

static struct mdl_kmsg *mdl_kdev_dequeue(struct mdl_kdev *d, struct list_head *q)
{
	struct mdl_kmsg *m;

	lockdep_assert_held(&d->lock);
	m = list_first_entry_or_null(q, struct mdl_kmsg, node);
	if (m) {
		list_del(&m->node);
		d->queued--;
	}
	return m;
}

/* Moves every message of q to dead, which the caller frees once it has dropped the lock. */
static void mdl_kdev_purge(struct mdl_kdev *d, struct list_head *q, struct list_head *dead)
{
	struct mdl_kmsg *m;

	while ((m = mdl_kdev_dequeue(d, q)))
		list_add_tail(&m->node, dead);
}

/* The peer is gone: no answer can come any more, and nothing queued is of use to anyone. */
static void mdl_kdev_disconnect(struct mdl_kdev *d, struct list_head *dead)
{
	lockdep_assert_held(&d->lock);
	d->gen++;
	mdl_kdev_purge(d, &d->outbox, dead);
	mdl_kdev_purge(d, &d->inbox, dead);
	mdl_kdev_purge(d, &d->calls, dead);
}

/* Is current still working for a peer that has gone? */
static bool mdl_kdev_stale(const struct mdl_kdev *d)
{
	lockdep_assert_held(&d->lock);
	return (d->caller == current && d->caller_gen != d->gen) ||
	       (d->server == current && d->server_gen != d->gen);
}

/* Is a kernel thread waiting for an answer from the current peer? */
static bool mdl_kdev_caller_live(const struct mdl_kdev *d)
{
	lockdep_assert_held(&d->lock);
	return d->waiting && d->caller_gen == d->gen;
}

/*
 * The caller's innermost call is over (answered, or given up on). When that was its last, the
 * inbox can only hold answers nobody will collect.
 */
static void mdl_kdev_end_call(struct mdl_kdev *d, struct list_head *dead)
{
	lockdep_assert_held(&d->lock);
	if (d->caller != current || WARN_ON_ONCE(!d->waiting))
		return;
	if (--d->waiting)
		return;
	d->caller = NULL;
	mdl_kdev_purge(d, &d->inbox, dead);
}

/* ---- the transport the k-driver's channel uses -------------------------------------------- */

static int mdl_kdev_send(struct mdl_transport *t, const void *msg, size_t len)
{
	struct mdl_kdev *d = container_of(t, struct mdl_kdev, transport);
	struct mdl_kmsg *m;
	bool call;
	int err = 0;

	/* shorter than a header is a caller bug: there is no kind to route by */
	if (len < MDL_HEADER_SIZE)
		return -EINVAL;
	if (len > d->max_msg)
		return -EMSGSIZE;
	m = mdl_kmsg_alloc(len);
	if (!m)
		return -ENOMEM;
	memcpy(m->data, msg, len);
	call = mdl_kmsg_kind(m) == MDL_KIND_CALL;

	kref_get(&d->ref);
	spin_lock(&d->lock);
	if (!d->open || d->dead || mdl_kdev_stale(d)) {
		err = -ESHUTDOWN;
	} else if (call && d->waiting && d->caller != current) {
		/*
		 * A caller of an earlier generation that has not unwound yet gives way (its
		 * next recv fails); a live one means the channel did not serialize its calls.
		 */
		if (d->caller_gen == d->gen) {
			err = -EBUSY;
		} else {
			d->caller = NULL;
			d->waiting = 0;
		}
	}
	if (!err) {
		if (call && !d->waiting++) {
			d->caller = current;
			d->caller_gen = d->gen;
		}
		mdl_kdev_enqueue(d, &d->outbox, m);
	}
	spin_unlock(&d->lock);

	if (err)
		kvfree(m);
	else
		wake_up_interruptible_poll(&d->read_wq, EPOLLIN | EPOLLRDNORM);
	kref_put(&d->ref, mdl_kdev_free);
	return err;
}

static bool mdl_kdev_inbox_ready(struct mdl_kdev *d, unsigned int gen)
{
	bool ready;

	spin_lock(&d->lock);
	ready = d->gen != gen || !list_empty(&d->inbox);
	spin_unlock(&d->lock);
	return ready;
}

static long mdl_kdev_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	struct mdl_kdev *d = container_of(t, struct mdl_kdev, transport);
	long left = d->timeout_ms ? msecs_to_jiffies(d->timeout_ms) : MAX_SCHEDULE_TIMEOUT;
	struct mdl_kmsg *m = NULL;
	LIST_HEAD(dead);
	unsigned int gen;
	long ret;

	kref_get(&d->ref);
	spin_lock(&d->lock);
	if (d->caller != current) {
		/* no call of ours is open: never sent, or taken over after the peer left */
		ret = -ESHUTDOWN;
		goto out_unlock;
	}
	gen = d->caller_gen;
	spin_unlock(&d->lock);

	ret = wait_event_interruptible_timeout(d->inbox_wq, mdl_kdev_inbox_ready(d, gen), left);

	spin_lock(&d->lock);
	if (d->gen != gen)
		ret = -ESHUTDOWN;
	else if ((m = mdl_kdev_dequeue(d, &d->inbox)))
		ret = 0;	/* an answer that raced with the timeout or a signal still counts */
	else if (!ret)
		ret = -ETIMEDOUT;
	else
		ret = -EINTR;	/* not -ERESTARTSYS: the channel fails the call, nothing restarts */
	/* a nested call is served while the caller keeps waiting for its own answer */
	if (!m || mdl_kmsg_kind(m) != MDL_KIND_CALL)
		mdl_kdev_end_call(d, &dead);
out_unlock:
	spin_unlock(&d->lock);
	kref_put(&d->ref, mdl_kdev_free);
	mdl_kmsg_free_list(&dead);

	if (!m)
		return ret;
	if (m->len > cap) {
		ret = -EMSGSIZE;
	} else {
		memcpy(buf, m->data, m->len);
		ret = m->len;
	}
	kvfree(m);
	return ret;
}

/* ---- serving the u-driver's calls ---------------------------------------------------------- */

static void mdl_kdev_serve_work(struct work_struct *work)
{
	struct mdl_kdev *d = container_of(work, struct mdl_kdev, serve_work);
	struct mdl_kmsg *m;
	int err;

	for (;;) {
		spin_lock(&d->lock);
		m = mdl_kdev_dequeue(d, &d->calls);
		d->server = m ? current : NULL;
		d->server_gen = d->gen;
		spin_unlock(&d->lock);
		if (!m)
			break;
		err = mdl_chan_serve(d->chan, m->data, m->len);
		if (err)
			pr_debug_ratelimited("%s: serving a call: %d\n", d->name, err);
		kvfree(m);
		cond_resched();
	}
}

/* ---- the character device ------------------------------------------------------------------- */

static int mdl_kdev_open(struct inode *inode, struct file *file)
{
	/* misc_open() points private_data at our miscdevice */
	struct mdl_kdev *d = container_of(file->private_data, struct mdl_kdev, misc);
	int err;

	err = stream_open(inode, file);
	if (err)
		return err;
	spin_lock(&d->lock);
	if (d->open || d->dead)
		err = -EBUSY;
	else
		d->open = true;
	spin_unlock(&d->lock);
	if (err)
		return err;
	kref_get(&d->ref);
	file->private_data = d;
	mutex_lock(&d->regions_lock);
	d->opener_mm = current->mm;
	if (d->opener_mm)
		mmgrab(d->opener_mm);
	d->mapping = file->f_mapping;
	mutex_unlock(&d->regions_lock);
	if (d->open_work)
		schedule_work(d->open_work);
	return 0;
}

void mdl_kdev_notify_open(struct mdl_kdev *d, struct work_struct *work)
{
	d->open_work = work;
}

bool mdl_kdev_attached(struct mdl_kdev *d)
{
	bool open;

	spin_lock(&d->lock);
	open = d->open && !d->dead;
	spin_unlock(&d->lock);
	return open;
}

static int mdl_kdev_release(struct inode *inode, struct file *file)
{
	struct mdl_kdev *d = file->private_data;
	struct mm_struct *mm;
	LIST_HEAD(dead);

	/* a mapping holds the file: none is left by now, nothing to zap */
	mutex_lock(&d->regions_lock);
	mm = d->opener_mm;
	d->opener_mm = NULL;
	d->mapping = NULL;
	mutex_unlock(&d->regions_lock);
	if (mm)
		mmdrop(mm);

	spin_lock(&d->lock);
	d->open = false;
	mdl_kdev_disconnect(d, &dead);
	spin_unlock(&d->lock);
	wake_up_interruptible_all(&d->inbox_wq);
	mdl_kmsg_free_list(&dead);
	/*
	 * A call of the old u-driver being served ends first (its transfers now fail), then the
	 * channel forgets every id: the next opener can name nothing this one was given.
	 */
	mutex_lock(&d->life);
	if (d->chan_live) {
		flush_workqueue(d->wq);
		mdl_chan_peer_gone(d->chan);
	}
	mutex_unlock(&d->life);
	kref_put(&d->ref, mdl_kdev_free);
	return 0;
}

static bool mdl_kdev_readable(struct mdl_kdev *d)
{
	bool ready;

	spin_lock(&d->lock);
	ready = d->dead || !list_empty(&d->outbox);
	spin_unlock(&d->lock);
	return ready;
}

static ssize_t mdl_kdev_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct mdl_kdev *d = file->private_data;
	struct mdl_kmsg *m;
	ssize_t ret;

	for (;;) {
		spin_lock(&d->lock);
		if (d->dead) {
			spin_unlock(&d->lock);
			return 0;
		}
		m = list_first_entry_or_null(&d->outbox, struct mdl_kmsg, node);
		if (m && m->len > count) {
			spin_unlock(&d->lock);
			return -EMSGSIZE;
		}
		if (m)
			m = mdl_kdev_dequeue(d, &d->outbox);
		spin_unlock(&d->lock);
		if (m)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(d->read_wq, mdl_kdev_readable(d));
		if (ret)
			return ret;
	}

	if (copy_to_user(ubuf, m->data, m->len)) {
		/* back at the head, so a bad buffer loses nothing */
		spin_lock(&d->lock);
		if (!d->dead) {
			list_add(&m->node, &d->outbox);
			d->queued++;
			m = NULL;
		}
		spin_unlock(&d->lock);
		kvfree(m);
		return -EFAULT;
	}
	ret = m->len;
	kvfree(m);
	return ret;
}

static ssize_t mdl_kdev_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	struct mdl_kdev *d = file->private_data;
	struct mdl_kmsg *m;
	bool answer, nested;
	ssize_t ret = len;
	u8 kind;

	if (len < MDL_HEADER_SIZE)
		return -EINVAL;
	if (len > d->max_msg)
		return -EMSGSIZE;
	m = mdl_kmsg_alloc(len);
	if (!m)
		return -ENOMEM;
	if (copy_from_user(m->data, ubuf, len)) {
		kvfree(m);
		return -EFAULT;
	}
	kind = mdl_kmsg_kind(m);
	answer = kind == MDL_KIND_REPLY || kind == MDL_KIND_ERROR;
	nested = kind == MDL_KIND_CALL && mdl_kmsg_nested(m);

	spin_lock(&d->lock);
	if (d->dead) {
		ret = -EPIPE;
	} else if (d->queued >= MDL_KDEV_MAX_QUEUED) {
		ret = -ENOBUFS;
	} else if ((answer || nested) && mdl_kdev_caller_live(d)) {
		mdl_kdev_enqueue(d, &d->inbox, m);
		m = NULL;
		wake_up_interruptible(&d->inbox_wq);
	} else if (!answer) {
		/*
		 * Top-level calls, nested ones nobody waits for, and kinds the device does not
		 * know: the channel answers the last with an error reply. Queued under the lock,
		 * so destroy (which sets dead under it first) has not torn the workqueue down.
		 */
		mdl_kdev_enqueue(d, &d->calls, m);
		m = NULL;
		queue_work(d->wq, &d->serve_work);
	}
	spin_unlock(&d->lock);

	if (m && ret >= 0)
		pr_warn_ratelimited("%s: dropped a reply nobody waits for (call id %u)\n", d->name,
				    mdl_load_le32(m->data + MDL_KDEV_CALL_ID_AT));
	kvfree(m);
	return ret;
}

static __poll_t mdl_kdev_poll(struct file *file, poll_table *wait)
{
	struct mdl_kdev *d = file->private_data;
	__poll_t mask;

	poll_wait(file, &d->read_wq, wait);
	spin_lock(&d->lock);
	if (d->dead)
		mask = EPOLLHUP | EPOLLERR;
	else
		mask = EPOLLOUT | EPOLLWRNORM;
	if (!list_empty(&d->outbox))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&d->lock);
	return mask;
}

/* ---- MMIO regions --------------------------------------------------------------------------- */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define mdl_vma_set(vma, f)	vm_flags_set(vma, f)
#define mdl_vma_clear(vma, f)	vm_flags_clear(vma, f)
#else
#define mdl_vma_set(vma, f)	((vma)->vm_flags |= (f))
#define mdl_vma_clear(vma, f)	((vma)->vm_flags &= ~(f))
#endif

static vm_fault_t mdl_kdev_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mdl_kdev *d = vma->vm_file->private_data;
	unsigned long index = vmf->pgoff >> MDL_KDEV_REGION_PAGE_SHIFT;
	unsigned long page = vmf->pgoff & MDL_KDEV_REGION_PAGE_MASK;
	const struct mdl_kdev_region *r;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	if (index >= MDL_KDEV_REGIONS)
		return ret;
	mutex_lock(&d->regions_lock);
	r = &d->regions[index];
	/* the region offered now: it may have been withdrawn, or offered again read-only */
	if (page < r->len >> PAGE_SHIFT &&
	    ((r->flags & MDL_KDEV_REGION_WRITE) || !(vma->vm_flags & VM_MAYWRITE)))
		ret = vmf_insert_pfn_prot(vma, vmf->address, PHYS_PFN(r->start) + page,
					  pgprot_decrypted(pgprot_noncached(vma->vm_page_prot)));
	mutex_unlock(&d->regions_lock);
	return ret;
}

static const struct vm_operations_struct mdl_kdev_vm_ops = {
	.fault = mdl_kdev_fault,
};

static int mdl_kdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mdl_kdev *d = file->private_data;
	unsigned long index = vma->vm_pgoff >> MDL_KDEV_REGION_PAGE_SHIFT;
	unsigned long first = vma->vm_pgoff & MDL_KDEV_REGION_PAGE_MASK;
	unsigned long pages = vma_pages(vma), have;
	const struct mdl_kdev_region *r;
	int err = 0;

	mutex_lock(&d->regions_lock);
	if (!d->opener_mm || current->mm != d->opener_mm) {
		err = -EPERM;
	} else if (index >= MDL_KDEV_REGIONS || !d->regions[index].len) {
		err = -ENXIO;
	} else {
		r = &d->regions[index];
		have = r->len >> PAGE_SHIFT;
		/* private: a write would copy device memory into an anonymous page */
		if (!(vma->vm_flags & VM_MAYSHARE) || first >= have || pages > have - first)
			err = -EINVAL;
		else if (!(r->flags & MDL_KDEV_REGION_WRITE) && (vma->vm_flags & VM_WRITE))
			err = -EACCES;
		else if (!(r->flags & MDL_KDEV_REGION_WRITE))
			mdl_vma_clear(vma, VM_MAYWRITE);
	}
	mutex_unlock(&d->regions_lock);
	if (err)
		return err;
	/* VM_DONTCOPY: a forked child is not the opener, and gets no copy */
	mdl_vma_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
	vma->vm_ops = &mdl_kdev_vm_ops;
	return 0;
}

int mdl_kdev_offer_region(struct mdl_kdev *d, unsigned int index, phys_addr_t start,
			  resource_size_t len, unsigned int flags)
{
	bool dead;
	int err = 0;

	if (index >= MDL_KDEV_REGIONS || !len || len > (1ULL << MDL_KDEV_REGION_SHIFT) ||
	    !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) || start + len - 1 < start ||
	    (flags & ~MDL_KDEV_REGION_WRITE))
		return -EINVAL;
	mutex_lock(&d->regions_lock);
	spin_lock(&d->lock);
	dead = d->dead;
	spin_unlock(&d->lock);
	if (dead) {
		err = -ENODEV;
	} else if (d->regions[index].len) {
		err = -EBUSY;
	} else {
		d->regions[index].start = start;
		d->regions[index].flags = flags;
		d->regions[index].len = len;
	}
	mutex_unlock(&d->regions_lock);
	return err;
}

void mdl_kdev_withdraw_region(struct mdl_kdev *d, unsigned int index)
{
	if (index >= MDL_KDEV_REGIONS)
		return;
	mutex_lock(&d->regions_lock);
	if (d->regions[index].len) {
		d->regions[index].len = 0;
		if (d->mapping)
			unmap_mapping_range(d->mapping, (loff_t)index << MDL_KDEV_REGION_SHIFT,
					    1LL << MDL_KDEV_REGION_SHIFT, 1);
	}
	mutex_unlock(&d->regions_lock);
}

static const struct file_operations mdl_kdev_fops = {
	.owner = THIS_MODULE,
	.open = mdl_kdev_open,
	.release = mdl_kdev_release,
	.read = mdl_kdev_read,
	.write = mdl_kdev_write,
	.poll = mdl_kdev_poll,
	.mmap = mdl_kdev_mmap,
	.llseek = no_llseek,
};

/* ---- lifetime ------------------------------------------------------------------------------- */

struct mdl_kdev *mdl_kdev_create(const char *name, struct mdl_chan *chan,
				 unsigned int timeout_ms, size_t max_msg)
{
	struct mdl_kdev *d;
	int err;

	/* kvmalloc refuses more than INT_MAX bytes */
	if (!name || !*name || max_msg < MDL_HEADER_SIZE ||
	    max_msg > INT_MAX - sizeof(struct mdl_kmsg))
		return ERR_PTR(-EINVAL);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->name = kstrdup(name, GFP_KERNEL);
	if (!d->name) {
		err = -ENOMEM;
		goto free_dev;
	}
	d->transport.send = mdl_kdev_send;
	d->transport.recv = mdl_kdev_recv;
	d->chan = chan;
	mutex_init(&d->life);
	mutex_init(&d->regions_lock);
	d->chan_live = true;
	d->timeout_ms = timeout_ms;
	d->max_msg = max_msg;
	kref_init(&d->ref);
	spin_lock_init(&d->lock);
	init_waitqueue_head(&d->read_wq);
	init_waitqueue_head(&d->inbox_wq);
	INIT_LIST_HEAD(&d->outbox);
	INIT_LIST_HEAD(&d->inbox);
	INIT_LIST_HEAD(&d->calls);
	INIT_WORK(&d->serve_work, mdl_kdev_serve_work);

	/* its own thread: a call waiting on the u-driver must not hold up a shared workqueue */
	d->wq = alloc_ordered_workqueue("mdl-%s", 0, name);
	if (!d->wq) {
		err = -ENOMEM;
		goto free_name;
	}

	d->misc.minor = MISC_DYNAMIC_MINOR;
	d->misc.name = d->name;
	d->misc.fops = &mdl_kdev_fops;
	d->misc.mode = 0600;
	return d;

free_name:
	kfree(d->name);
free_dev:
	kfree(d);
	return ERR_PTR(err);
}

/*
 * The device node appears only now: the channel, opened over mdl_kdev_transport() after
 * mdl_kdev_create(), must exist before the first u-driver message can reach mdl_chan_serve().
 */
int mdl_kdev_start(struct mdl_kdev *d)
{
	int err;

	if (d->registered)
		return -EBUSY;
	err = misc_register(&d->misc);
	if (!err)
		d->registered = true;
	return err;
}

void mdl_kdev_destroy(struct mdl_kdev *d)
{
	unsigned int i;
	LIST_HEAD(dead);

	if (IS_ERR_OR_NULL(d))
		return;
	/* After this a release leaves the channel (which the caller may free next) alone. */
	mutex_lock(&d->life);
	d->chan_live = false;
	mutex_unlock(&d->life);
	/* misc_open() runs under the lock misc_deregister() takes: no open is in progress after */
	if (d->registered)
		misc_deregister(&d->misc);

	spin_lock(&d->lock);
	d->dead = true;
	mdl_kdev_disconnect(d, &dead);
	spin_unlock(&d->lock);
	wake_up_interruptible_all(&d->inbox_wq);
	wake_up_interruptible_poll(&d->read_wq, EPOLLHUP | EPOLLERR);
	mdl_kmsg_free_list(&dead);
	/* offers check dead under regions_lock: none comes after these */
	for (i = 0; i < MDL_KDEV_REGIONS; i++)
		mdl_kdev_withdraw_region(d, i);

	/* a call being served runs to its end (its transfers fail); nothing queues another */
	destroy_workqueue(d->wq);
	kref_put(&d->ref, mdl_kdev_free);
}

struct mdl_transport *mdl_kdev_transport(struct mdl_kdev *d)
{
	return &d->transport;
}
