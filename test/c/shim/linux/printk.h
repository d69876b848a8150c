#ifndef SHIM_LINUX_PRINTK_H
#define SHIM_LINUX_PRINTK_H
#include <stdio.h>
/* MDL_QUIET (as in the user flavour, mdidl_platform.h): no log lines, the fuzzers' output stays readable. */
#ifdef MDL_QUIET
#define pr_warn_ratelimited(fmt, ...) do { if (0) fprintf(stderr, fmt, ##__VA_ARGS__); } while (0)
#else
#define pr_warn_ratelimited(fmt, ...) fprintf(stderr, fmt, ##__VA_ARGS__)
#endif
#endif
