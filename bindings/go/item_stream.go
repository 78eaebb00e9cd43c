package ray

/*
#include <stdint.h>
#include "ray_client.h"
#include "helpers.h"
*/
import "C"

import (
	"context"
	"io"
	"iter"
	"sync"
)

// ItemStream is the items of a generator running on the cluster, in the order it yields
// them, read as they come (Python's num_returns="streaming", which Python's Ray Client
// cannot do). Open one with [RemoteFunction.RemoteStream] or [ActorMethod.RemoteStream];
// read it with Next, NextInto or All. The exception the generator raised comes as a
// *TaskError after the items yielded before it, and the stream ends there; the end is
// io.EOF.
//
// Buffering: the option OptionValue("_generator_backpressure_num_objects", b) (1024
// unless set; 64 for a method) is the buffer, which bounds what is held beyond what was read: a generator
// function's items travel in batches of up to b items and 4 MiB, at most six batches
// ahead of the reader; an actor's generator method's one by one, Ray pausing it while b
// wait and the client's actor on the cluster queueing b more.
//
// Ownership: Close (or Cancel) stops the generator on the cluster if it has not ended; a
// stream dropped without Close is closed by a cleanup after garbage collection.
// Goroutines: safe for concurrent use; reads take turns, each item going to one reader.
// A read whose context ends first returns the context's error and loses nothing: the
// item it was waiting for goes to the next read.
type ItemStream struct {
	client *Client
	h      handle[*C.ray_client_item_stream]
	mu     sync.Mutex // one read at a time
	// inflight is the read started and not yet taken (its context ended first).
	inflight *pending
}

func freeItemStream(p *C.ray_client_item_stream) { C.ray_client_item_stream_free(p) }

func newItemStream(c *Client, p *C.ray_client_item_stream) *ItemStream {
	s := &ItemStream{client: c}
	own(s, &s.h, p, freeItemStream)
	return s
}

func (*ItemStream) what() string                                  { return "item stream" }
func (s *ItemStream) cHandle() *handle[*C.ray_client_item_stream] { return &s.h }

func (s *ItemStream) use(op string, f func(p *C.ray_client_item_stream) error) error {
	return useWrapped(s, op, f)
}

// RemoteStream calls the generator function with args (as Remote) and returns its
// items as it yields them.
func (f *RemoteFunction) RemoteStream(ctx context.Context, args ...any) (*ItemStream, error) {
	const op = "RemoteStream"
	var out *C.ray_client_item_stream
	err := useLazy(f, op, func(fp *C.ray_client_function) error {
		_, err := invoke(ctx, &call{
			op: op, client: f.client, what: functionKind.what, args: args, want: wantNone,
			submit: func(cp *C.ray_client_client, list *C.ray_client_args, o *C.ray_client_options, _ []*C.ray_client_object_ref) cstatus {
				return C.ray_client_function_call_streaming(cp, fp, list, o, &out)
			},
			abandon: func() { freeItemStream(out) },
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return newItemStream(f.client, out), nil
}

// RemoteStream calls the generator method with args and the method's options, and
// returns its items as it yields them.
func (m *ActorMethod) RemoteStream(ctx context.Context, args ...any) (*ItemStream, error) {
	const op = "RemoteStream"
	if m == nil {
		return nil, errNil(op, "actor method")
	}
	a := m.actor
	var out *C.ray_client_item_stream
	err := a.use(op, func(ap *C.ray_client_actor) error {
		name, err := cstring(op, "method name", m.name)
		if err != nil {
			return err
		}
		_, err = invoke(ctx, &call{
			op: op, client: a.client, what: "actor method", args: args, opts: m.opts, want: wantNone,
			submit: func(cp *C.ray_client_client, list *C.ray_client_args, o *C.ray_client_options, _ []*C.ray_client_object_ref) cstatus {
				return C.ray_client_actor_call_streaming(cp, ap, name, list, o, &out)
			},
			abandon: func() { freeItemStream(out) },
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return newItemStream(a.client, out), nil
}

// next reads the next item's C value: nil at the end (io.EOF).
func (s *ItemStream) next(ctx context.Context, op string) (*C.ray_client_value, error) {
	if s == nil {
		return nil, errNil(op, "item stream")
	}
	if err := checkContext(op, ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight == nil {
		id, pd := newPending()
		err := s.use(op, func(sp *C.ray_client_item_stream) error {
			return ccall(op, func() cstatus { return C.rc_go_item_stream_next_async(sp, -1, C.uintptr_t(id)) })
		})
		if err != nil {
			cancelPending(id)
			return nil, err
		}
		s.inflight = pd
	}
	// Unlike a get, the read is not abandoned when ctx ends: its item stays for the next.
	select {
	case r := <-s.inflight.ch:
		s.inflight = nil
		if err := r.toError(op); err != nil {
			return nil, err
		}
		if r.value == nil {
			return nil, io.EOF
		}
		return r.value, nil
	case <-ctx.Done():
		return nil, ctxError(op, ctx)
	}
}

// Next waits for the next item and converts it to a Go value (as Client.Get); io.EOF
// once the generator returned.
func (s *ItemStream) Next(ctx context.Context) (any, error) {
	v, err := s.next(ctx, "Next")
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(v)
	return decodeValue("Next", s.client, v)
}

// NextInto waits for the next item and stores it into the Go value dst points to (as
// Client.GetInto); io.EOF once the generator returned.
func (s *ItemStream) NextInto(ctx context.Context, dst any) error {
	if err := checkDst("NextInto", dst); err != nil {
		return err
	}
	v, err := s.next(ctx, "NextInto")
	if err != nil {
		return err
	}
	defer C.ray_client_value_free(v)
	return decodeInto("NextInto", s.client, v, dst)
}

// All is the items as an iterator: each item with a nil error, until the end; a failure
// (the generator's exception, ctx's end) is yielded once as the error, and ends it.
// Breaking out of the loop leaves the stream where it is (Close stops it).
func (s *ItemStream) All(ctx context.Context) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for {
			item, err := s.Next(ctx)
			if err == io.EOF {
				return
			}
			if !yield(item, err) || err != nil {
				return
			}
		}
	}
}

// Buffer is the stream's buffer (see [ItemStream]).
func (s *ItemStream) Buffer() (int, error) {
	var n C.size_t
	err := s.use("Buffer", func(sp *C.ray_client_item_stream) error {
		return ccall("Buffer", func() cstatus { return C.ray_client_item_stream_buffer(sp, &n) })
	})
	return int(n), err
}

// Cancel stops the generator on the cluster and ends the stream (later reads give
// io.EOF); a stream that ended already is left as it is.
func (s *ItemStream) Cancel() error {
	return s.use("Cancel", func(sp *C.ray_client_item_stream) error {
		return ccall("Cancel", func() cstatus { return C.ray_client_item_stream_cancel(sp) })
	})
}

// Close stops the generator if it has not ended and releases the stream. Idempotent.
func (s *ItemStream) Close() error {
	if s == nil {
		return errNil("Close", "item stream")
	}
	if !s.h.close() {
		return nil
	}
	// A read left in flight by an ended context: its item, when it comes, is freed.
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.inflight; p != nil {
		s.inflight = nil
		p.mu.Lock()
		select {
		case r := <-p.ch:
			r.free()
		default:
			p.abandoned = true
		}
		p.mu.Unlock()
	}
	return nil
}
