package ray

/*
#include <stdint.h>
*/
import "C"

import "sync"

// UploadProgress tells how one package of a job's runtime_env (a local working_dir or
// py_modules entry) uploads to the dashboard.
type UploadProgress struct {
	// URI is the package's name on the cluster, gcs://_ray_pkg_<hash>.zip.
	URI string
	// Sent of Total bytes went out.
	Sent, Total uint64
}

// progressSink moves progress from the library's I/O thread (which must not wait) to a
// goroutine that calls the user's function. Only the latest report is kept: a slow
// function skips reports rather than delaying the upload, and it always sees the last.
type progressSink struct {
	fn     func(UploadProgress)
	mu     sync.Mutex
	latest *UploadProgress
	wake   chan struct{}
	done   chan struct{}
}

var progressSinks registry[*progressSink]

func newProgressSink(fn func(UploadProgress)) uintptr {
	s := &progressSink{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for range s.wake {
			s.mu.Lock()
			p := s.latest
			s.latest = nil
			s.mu.Unlock()
			if p != nil {
				s.fn(*p)
			}
		}
	}()
	return progressSinks.add(s)
}

// closeProgressSink unregisters the sink once the upload is over and returns after the
// function saw the last report.
func closeProgressSink(id uintptr) {
	s := progressSinks.remove(id)
	if s != nil {
		close(s.wake)
		<-s.done
	}
}

//export rcGoUploadProgress
func rcGoUploadProgress(id C.uintptr_t, uri *C.char, sent, total C.uint64_t) {
	s := progressSinks.get(uintptr(id))
	if s == nil {
		return
	}
	s.mu.Lock()
	s.latest = &UploadProgress{URI: C.GoString(uri), Sent: uint64(sent), Total: uint64(total)}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is pending; it will read this report
	}
}
