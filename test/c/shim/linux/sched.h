#ifndef SHIM_LINUX_SCHED_H
#define SHIM_LINUX_SCHED_H
/* Thread identity: a per-thread address stands for `current`. */
static _Thread_local char shim_current __attribute__((unused));
#define current ((const void *)&shim_current)
#endif
