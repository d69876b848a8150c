/* SPDX-License-Identifier: MIT */
/*
 * mdidl.h - annotations for splitting a driver with mdidl.
 *
 * In a normal build every macro expands to nothing, so annotated headers compile unchanged.
 * When mdidl reads a header it defines __MDIDL__, and the macros become GCC attributes that
 * survive any C preprocessor (mdidl's own, or `--cpp "gcc -E"`, or kbuild's `make file.i`).
 * See docs/annotations.md for the meaning of each one.
 */
#ifndef MDIDL_H
#define MDIDL_H

#ifdef __MDIDL__

/* Data */
#define MDL_STRING                 __attribute__((mdl_string))
#define MDL_STRING_MAX(n)          __attribute__((mdl_string, mdl_max(n)))
#define MDL_COUNT(expr)            __attribute__((mdl_count(expr)))
#define MDL_MAX(n)                 __attribute__((mdl_max(n)))
#define MDL_OPAQUE                 __attribute__((mdl_opaque))
#define MDL_REF                    __attribute__((mdl_ref))
#define MDL_AS(T)                  __attribute__((mdl_as(T)))
#define MDL_CONTAINER(T, field)    __attribute__((mdl_container(T, field)))
#define MDL_INTERIOR               __attribute__((mdl_interior))
#define MDL_SWITCH(field)          __attribute__((mdl_switch(field)))
#define MDL_CASE(...)              __attribute__((mdl_case(__VA_ARGS__)))
#define MDL_DEFAULT                __attribute__((mdl_default))
#define MDL_RECURSIVE              __attribute__((mdl_recursive))
#define MDL_COMBOLOCK              __attribute__((mdl_combolock))
#define MDL_SKIP                   __attribute__((mdl_skip))

/* Parameters */
#define MDL_IN                     __attribute__((mdl_in))
#define MDL_OUT                    __attribute__((mdl_out))
#define MDL_INOUT                  __attribute__((mdl_inout))

/* Functions and ops-table members */
#define MDL_CRITICAL               __attribute__((mdl_critical))
#define MDL_UPCALL                 __attribute__((mdl_upcall))
#define MDL_DOWNCALL               __attribute__((mdl_downcall))
#define MDL_READS(...)             __attribute__((mdl_reads(__VA_ARGS__)))
#define MDL_WRITES(...)            __attribute__((mdl_writes(__VA_ARGS__)))
#define MDL_ID(n)                  __attribute__((mdl_id(n)))

#else /* !__MDIDL__ */

#define MDL_STRING
#define MDL_STRING_MAX(n)
#define MDL_COUNT(expr)
#define MDL_MAX(n)
#define MDL_OPAQUE
#define MDL_REF
#define MDL_AS(T)
#define MDL_CONTAINER(T, field)
#define MDL_INTERIOR
#define MDL_SWITCH(field)
#define MDL_CASE(...)
#define MDL_DEFAULT
#define MDL_RECURSIVE
#define MDL_COMBOLOCK
#define MDL_SKIP
#define MDL_IN
#define MDL_OUT
#define MDL_INOUT
#define MDL_CRITICAL
#define MDL_UPCALL
#define MDL_DOWNCALL
#define MDL_READS(...)
#define MDL_WRITES(...)
#define MDL_ID(n)

#endif /* __MDIDL__ */

#endif /* MDIDL_H */
