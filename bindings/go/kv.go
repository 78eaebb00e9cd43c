package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"unsafe"
)

// KV is the cluster's internal key-value store (ray.experimental.internal_kv) in one
// namespace. Keys are strings (any bytes), values []byte. A KV is a small value; get
// one with Client.KV and use it from any goroutine.
type KV struct {
	client    *Client
	namespace string
}

// KV is the key-value store in namespace ("": no namespace).
func (c *Client) KV(namespace string) KV { return KV{client: c, namespace: namespace} }

func (kv KV) run(ctx context.Context, op string, f func(p *C.ray_client_client, ns *C.char) cstatus, done func()) error {
	ns, err := cstringOpt(op, "namespace", kv.namespace)
	if err != nil {
		return err
	}
	return blockingCall(ctx, op, kv.client.use, func(p *C.ray_client_client) cstatus { return f(p, ns) }, done)
}

// Get is the value stored under key; found is false (and the error nil) when there is
// none.
func (kv KV) Get(ctx context.Context, key string) (value []byte, found bool, err error) {
	var data *C.uint8_t
	var n C.size_t
	var f C.int
	err = kv.run(ctx, "KV.Get", func(p *C.ray_client_client, ns *C.char) cstatus {
		return C.ray_client_kv_get(p, stringBytesPtr(key), C.size_t(len(key)), ns, &data, &n, &f)
	}, func() { C.ray_client_bytes_free(data) })
	if err != nil || f == 0 {
		return nil, false, err
	}
	defer C.ray_client_bytes_free(data)
	if n == 0 {
		return []byte{}, true, nil
	}
	return C.GoBytes(unsafe.Pointer(data), C.int(n)), true, nil
}

// Put stores value under key; with overwrite false an existing value is kept.
// existed tells whether the key was there before.
func (kv KV) Put(ctx context.Context, key string, value []byte, overwrite bool) (existed bool, err error) {
	var e C.int
	err = kv.run(ctx, "KV.Put", func(p *C.ray_client_client, ns *C.char) cstatus {
		return C.ray_client_kv_put(p, stringBytesPtr(key), C.size_t(len(key)), bytesPtr(value), C.size_t(len(value)), cbool(overwrite), ns, &e)
	}, nil)
	return e != 0, err
}

// Delete deletes key; it returns how many keys went (0 or 1).
func (kv KV) Delete(ctx context.Context, key string) (int, error) {
	return kv.del(ctx, "KV.Delete", key, false)
}

// DeletePrefix deletes every key starting with prefix and returns how many went.
func (kv KV) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	return kv.del(ctx, "KV.DeletePrefix", prefix, true)
}

func (kv KV) del(ctx context.Context, op, key string, byPrefix bool) (int, error) {
	var n C.size_t
	err := kv.run(ctx, op, func(p *C.ray_client_client, ns *C.char) cstatus {
		return C.ray_client_kv_del(p, stringBytesPtr(key), C.size_t(len(key)), cbool(byPrefix), ns, &n)
	}, nil)
	return int(n), err
}

// Exists reports whether key exists.
func (kv KV) Exists(ctx context.Context, key string) (bool, error) {
	var e C.int
	err := kv.run(ctx, "KV.Exists", func(p *C.ray_client_client, ns *C.char) cstatus {
		return C.ray_client_kv_exists(p, stringBytesPtr(key), C.size_t(len(key)), ns, &e)
	}, nil)
	return e != 0, err
}

// Keys lists every key starting with prefix.
func (kv KV) Keys(ctx context.Context, prefix string) ([]string, error) {
	const op = "KV.Keys"
	var out *C.ray_client_value
	err := kv.run(ctx, op, func(p *C.ray_client_client, ns *C.char) cstatus {
		return C.ray_client_kv_list(p, stringBytesPtr(prefix), C.size_t(len(prefix)), ns, &out)
	}, func() { C.ray_client_value_free(out) })
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(out)
	var keys []string
	if err := decodeInto(op, kv.client, out, &keys); err != nil {
		return nil, err
	}
	return keys, nil
}
