/* SPDX-License-Identifier: MIT */
/*
 * mdidl_types.h - the integer types and errno values mdidl's C support headers are written in.
 *
 * The same headers are compiled into the k-driver (kbuild defines __KERNEL__) and into the
 * u-driver, so the one thing that differs between the two flavours is where u8..s64, bool,
 * size_t and the errno values come from.
 */
#ifndef MDIDL_TYPES_H
#define MDIDL_TYPES_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/errno.h>

#else /* user flavour */

/* Only headers a freestanding C11 implementation must provide, so a bare-metal build works too. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Identical redeclarations of a typedef are legal in C11, so a program that already has these
 * (with the same types) can include this header as well.
 */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <errno.h>
#endif

#endif /* __KERNEL__ */

/*
 * The wire format's codes are Linux's numbers; a freestanding build (no <errno.h>) gets those.
 * On a hosted non-Linux system the local values win: functions return local errnos, and only the
 * error-reply payload carries numbers on the wire.
 */
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef EPROTO
#define EPROTO 71
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif

#endif /* MDIDL_TYPES_H */
