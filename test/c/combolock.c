// runtime/c/mdidl_combolock.h: built twice, as the kernel flavour on the user-space shim (the
// spinlock / sleep-while-user-held logic) and as the user flavour (a mutex). Prints one line per
// check and a summary.
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include "mdidl_combolock.h"

static struct mdl_combolock lock;
static volatile int got, counter;
static int failures, checks;

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		checks++;                                                                \
		if (!(c)) {                                                              \
			failures++;                                                      \
			printf("FAIL %s\n", what);                                       \
		}                                                                        \
	} while (0)

static void nap(long ms)
{
	struct timespec t = { 0, ms * 1000000L };

	nanosleep(&t, NULL);
}

static void *taker(void *arg)
{
	(void)arg;
	mdl_combolock_lock(&lock);
	got = 1;
	mdl_combolock_unlock(&lock);
	return NULL;
}

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		mdl_combolock_lock(&lock);
		counter = counter + 1;
		mdl_combolock_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	mdl_combolock_init(&lock);
	CHECK(mdl_combolock_trylock(&lock), "a free lock is taken at once");
	mdl_combolock_unlock(&lock);

	pthread_create(&t1, NULL, adder, NULL);
	pthread_create(&t2, NULL, adder, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(counter == 200000, "kernel holders exclude each other");

#ifdef __KERNEL__
	mdl_combolock_lock_user(&lock);
	CHECK(!mdl_combolock_trylock(&lock), "atomic context cannot take a lock the u-driver holds");
	pthread_create(&t1, NULL, taker, NULL);
	nap(200);
	CHECK(got == 0, "kernel code waits while the u-driver holds the lock");
	mdl_combolock_unlock_user(&lock);
	pthread_join(t1, NULL);
	CHECK(got == 1, "and gets it when the u-driver lets go");
#else
	(void)taker;
	(void)nap;
#endif
	printf("combolock: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
