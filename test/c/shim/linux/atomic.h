#ifndef SHIM_LINUX_ATOMIC_H
#define SHIM_LINUX_ATOMIC_H
/* Fully ordered, as the kernel's are; both return the old value. */
#define xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define cmpxchg(p, o, n)                                                                           \
	({                                                                                         \
		__typeof__(*(p)) shim_old_ = (o);                                                  \
		__atomic_compare_exchange_n((p), &shim_old_, (n), false, __ATOMIC_SEQ_CST,          \
					    __ATOMIC_SEQ_CST);                                     \
		shim_old_;                                                                         \
	})
#endif
