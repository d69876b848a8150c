#ifndef SHIM_LINUX_WAIT_H
#define SHIM_LINUX_WAIT_H
#include <pthread.h>
typedef struct { pthread_mutex_t m; pthread_cond_t c; } wait_queue_head_t;
#define init_waitqueue_head(q) do { pthread_mutex_init(&(q)->m, NULL); pthread_cond_init(&(q)->c, NULL); } while (0)
#define wait_event(q, cond) do { pthread_mutex_lock(&(q).m); while (!(cond)) pthread_cond_wait(&(q).c, &(q).m); pthread_mutex_unlock(&(q).m); } while (0)
#define wake_up_all(q) do { pthread_mutex_lock(&(q)->m); pthread_cond_broadcast(&(q)->c); pthread_mutex_unlock(&(q)->m); } while (0)
#endif
