#ifndef SHIM_LINUX_MUTEX_H
#define SHIM_LINUX_MUTEX_H
#include <pthread.h>
struct mutex { pthread_mutex_t m; };
#define mutex_init(x) pthread_mutex_init(&(x)->m, NULL)
#define mutex_destroy(x) pthread_mutex_destroy(&(x)->m)
#define mutex_lock(x) pthread_mutex_lock(&(x)->m)
#define mutex_unlock(x) pthread_mutex_unlock(&(x)->m)
/* 1 when taken, 0 when another thread holds it, as the kernel's. */
#define mutex_trylock(x) (pthread_mutex_trylock(&(x)->m) == 0)
#endif
