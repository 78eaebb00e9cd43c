// Package cheap reads and trims the C heap for the binding's memory tests (the load test
// samples RSS). It lives apart from package ray so that no program using the binding
// compiles it: cgo cannot be used in _test.go files, and only the tests import this.
package cheap

/*
#include <stddef.h>

// glibc's malloc_trim, weakly: NULL on C libraries without it.
extern int malloc_trim(size_t pad) __attribute__((weak));

// glibc's mallinfo2, weakly.
struct mallinfo2 {
	size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};
extern struct mallinfo2 mallinfo2(void) __attribute__((weak));

static size_t rc_go_malloc_in_use(void) {
	if (!mallinfo2) return 0;
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

static int rc_go_malloc_trim(void) {
	return malloc_trim ? malloc_trim(0) : -1;
}
*/
import "C"

// Trim returns the C heap's free memory to the OS where the C library can (glibc's
// malloc_trim): the memory tests' analogue of debug.FreeOSMemory, so that RSS samples
// measure live memory rather than what malloc keeps cached.
func Trim() { C.rc_go_malloc_trim() }

// InUse is the bytes the C heap has handed out and not got back (glibc's mallinfo2:
// small blocks plus mmapped ones); 0 where the C library cannot tell.
func InUse() int64 { return int64(C.rc_go_malloc_in_use()) }
