/* SPDX-License-Identifier: MIT */
/*
 * mdidl_combolock.h - the lock of a [combolock] field (the Microdrivers paper's combolock).
 *
 * A lock that kernel code and the u-driver both take. While only kernel code contends it is a
 * spinlock, so the critical path (interrupt handler, transmit) pays nothing more; while the
 * u-driver holds it (it asked with a downcall, the k-driver called mdl_combolock_lock_user), kernel
 * code that wants it sleeps instead of spinning for as long as a user process may take. From
 * atomic context use mdl_combolock_trylock, which fails rather than sleep.
 *
 * User flavour: a mutex (the u-driver's own threads).
 */
#ifndef MDIDL_COMBOLOCK_H
#define MDIDL_COMBOLOCK_H

#include "mdidl_types.h"

#ifdef __KERNEL__

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct mdl_combolock {
	spinlock_t lock;
	wait_queue_head_t wq;
	bool user_held;
};

static inline void mdl_combolock_init(struct mdl_combolock *l)
{
	spin_lock_init(&l->lock);
	init_waitqueue_head(&l->wq);
	l->user_held = false;
}

/* Kernel code: returns holding the spinlock, once the u-driver does not hold the lock. */
static inline void mdl_combolock_lock(struct mdl_combolock *l)
{
	spin_lock(&l->lock);
	while (l->user_held) {
		spin_unlock(&l->lock);
		might_sleep();
		wait_event(l->wq, !READ_ONCE(l->user_held));
		spin_lock(&l->lock);
	}
}

static inline void mdl_combolock_unlock(struct mdl_combolock *l)
{
	spin_unlock(&l->lock);
}

/* Atomic context: true holding the spinlock, false when the u-driver holds the lock. */
static inline bool mdl_combolock_trylock(struct mdl_combolock *l)
{
	spin_lock(&l->lock);
	if (!l->user_held)
		return true;
	spin_unlock(&l->lock);
	return false;
}

/* For the u-driver's downcall: waits out kernel holders, then holds the lock for user mode. */
static inline void mdl_combolock_lock_user(struct mdl_combolock *l)
{
	mdl_combolock_lock(l);
	WRITE_ONCE(l->user_held, true);
	spin_unlock(&l->lock);
}

static inline void mdl_combolock_unlock_user(struct mdl_combolock *l)
{
	spin_lock(&l->lock);
	WRITE_ONCE(l->user_held, false);
	spin_unlock(&l->lock);
	wake_up_all(&l->wq);
}

#else /* user flavour */

#include <pthread.h>

struct mdl_combolock {
	pthread_mutex_t m;
};

static inline void mdl_combolock_init(struct mdl_combolock *l)
{
	pthread_mutex_init(&l->m, NULL);
}

static inline void mdl_combolock_lock(struct mdl_combolock *l)
{
	pthread_mutex_lock(&l->m);
}

static inline void mdl_combolock_unlock(struct mdl_combolock *l)
{
	pthread_mutex_unlock(&l->m);
}

static inline bool mdl_combolock_trylock(struct mdl_combolock *l)
{
	return pthread_mutex_trylock(&l->m) == 0;
}

#endif /* __KERNEL__ */

#endif /* MDIDL_COMBOLOCK_H */
