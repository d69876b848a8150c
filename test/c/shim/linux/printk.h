#ifndef SHIM_LINUX_PRINTK_H
#define SHIM_LINUX_PRINTK_H
#include <stdio.h>
#define pr_warn_ratelimited(fmt, ...) fprintf(stderr, fmt, ##__VA_ARGS__)
#endif
