package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"math/big"
	"reflect"
	"strconv"
	"unsafe"
)

// Ray → Go: a C value handle becomes a Go value in its generic form (any), which
// assign (convert_assign.go) then stores into typed destinations.

type decoder struct {
	op     string
	client *Client // owner of decoded refs and actors; nil for pickles
}

func decodeValue(op string, c *Client, v *C.ray_client_value) (any, error) {
	d := decoder{op: op, client: c}
	return d.decode(v, "value", 0)
}

func decodeInto(op string, c *Client, v *C.ray_client_value, dst any) error {
	return decodeIntoValue(op, c, v, reflect.ValueOf(dst).Elem(), "value")
}

func decodeIntoValue(op string, c *Client, v *C.ray_client_value, dst reflect.Value, path string) error {
	d := decoder{op: op, client: c}
	g, err := d.decode(v, path, 0)
	if err != nil {
		return err
	}
	return assign(op, dst, g, path, 0)
}

func (d *decoder) call(f func() C.int) error { return ccall(d.op, f) }

func (d *decoder) decode(v *C.ray_client_value, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errConversion(d.op, path, "nested more than %d levels deep", maxDepth)
	}
	var kind C.int
	if err := d.call(func() C.int { return C.ray_client_value_kind(v, &kind) }); err != nil {
		return nil, err
	}
	switch kind {
	case C.RAY_CLIENT_VALUE_NONE:
		return nil, nil
	case C.RAY_CLIENT_VALUE_BOOL:
		var b C.int
		err := d.call(func() C.int { return C.ray_client_value_get_bool(v, &b) })
		return b != 0, err
	case C.RAY_CLIENT_VALUE_INT:
		var i C.int64_t
		err := d.call(func() C.int { return C.ray_client_value_get_int(v, &i) })
		return int64(i), err
	case C.RAY_CLIENT_VALUE_BIGINT:
		var s *C.char
		if err := d.call(func() C.int { return C.ray_client_value_get_bigint(v, &s) }); err != nil {
			return nil, err
		}
		text := ownedString(s)
		b, ok := new(big.Int).SetString(text, 10)
		if !ok {
			return nil, errConversion(d.op, path, "bad big int text %q", text)
		}
		return b, nil
	case C.RAY_CLIENT_VALUE_FLOAT:
		var f C.double
		err := d.call(func() C.int { return C.ray_client_value_get_float(v, &f) })
		return float64(f), err
	case C.RAY_CLIENT_VALUE_STR:
		var p *C.char
		var n C.size_t
		if err := d.call(func() C.int { return C.ray_client_value_get_str(v, &p, &n) }); err != nil {
			return nil, err
		}
		return C.GoStringN(p, C.int(n)), nil
	case C.RAY_CLIENT_VALUE_BYTES, C.RAY_CLIENT_VALUE_BYTEARRAY:
		var p *C.uint8_t
		var n C.size_t
		if err := d.call(func() C.int { return C.ray_client_value_get_bytes(v, &p, &n) }); err != nil {
			return nil, err
		}
		if n == 0 {
			return []byte{}, nil
		}
		return C.GoBytes(unsafe.Pointer(p), C.int(n)), nil
	case C.RAY_CLIENT_VALUE_LIST, C.RAY_CLIENT_VALUE_TUPLE, C.RAY_CLIENT_VALUE_SET, C.RAY_CLIENT_VALUE_FROZENSET:
		var n C.size_t
		if err := d.call(func() C.int { return C.ray_client_value_len(v, &n) }); err != nil {
			return nil, err
		}
		out := make([]any, int(n))
		for i := range out {
			var it *C.ray_client_value
			if err := d.call(func() C.int { return C.ray_client_value_item(v, C.size_t(i), &it) }); err != nil {
				return nil, err
			}
			x, err := d.decode(it, path+"["+strconv.Itoa(i)+"]", depth+1)
			C.ray_client_value_free(it)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case C.RAY_CLIENT_VALUE_DICT:
		return d.dict(v, path, depth)
	case C.RAY_CLIENT_VALUE_OBJECT_REF:
		if d.client == nil {
			return nil, errConversion(d.op, path, "an object ref outside a client")
		}
		var r *C.ray_client_object_ref
		if err := d.call(func() C.int { return C.ray_client_value_get_object_ref(v, &r) }); err != nil {
			return nil, err
		}
		return newObjectRef(d.client, r), nil
	case C.RAY_CLIENT_VALUE_ACTOR:
		if d.client == nil {
			return nil, errConversion(d.op, path, "an actor handle outside a client")
		}
		var a *C.ray_client_actor
		if err := d.call(func() C.int { return C.ray_client_value_get_actor(v, &a) }); err != nil {
			return nil, err
		}
		return newActor(d.client, a), nil
	case C.RAY_CLIENT_VALUE_NDARRAY:
		a, err := d.ndarray(v, path)
		if err != nil {
			return nil, err
		}
		if len(a.Shape) == 1 {
			return a.Data, nil
		}
		return a, nil
	case C.RAY_CLIENT_VALUE_GLOBAL, C.RAY_CLIENT_VALUE_OBJECT:
		var s *C.char
		if err := d.call(func() C.int { return C.ray_client_value_to_json(v, &s) }); err != nil {
			return nil, err
		}
		k := "object"
		if kind == C.RAY_CLIENT_VALUE_GLOBAL {
			k = "global"
		}
		return Opaque{Kind: k, JSON: ownedString(s)}, nil
	}
	return nil, errConversion(d.op, path, "unknown value kind %d", int(kind))
}

// dict decodes to map[string]any when every key is a str, else to map[any]any (keys
// must then be comparable Go values: no lists, dicts or bytes).
func (d *decoder) dict(v *C.ray_client_value, path string, depth int) (any, error) {
	var n C.size_t
	if err := d.call(func() C.int { return C.ray_client_value_len(v, &n) }); err != nil {
		return nil, err
	}
	keys := make([]any, int(n))
	vals := make([]any, int(n))
	allStr := true
	for i := range keys {
		var k, it *C.ray_client_value
		if err := d.call(func() C.int { return C.ray_client_value_dict_item(v, C.size_t(i), &k, &it) }); err != nil {
			return nil, err
		}
		kx, err := d.decode(k, path+"[key "+strconv.Itoa(i)+"]", depth+1)
		C.ray_client_value_free(k)
		if err != nil {
			C.ray_client_value_free(it)
			return nil, err
		}
		vx, err := d.decode(it, path+"["+keyLabel(kx)+"]", depth+1)
		C.ray_client_value_free(it)
		if err != nil {
			return nil, err
		}
		if _, ok := kx.(string); !ok {
			allStr = false
		}
		keys[i], vals[i] = kx, vx
	}
	if allStr {
		m := make(map[string]any, len(keys))
		for i, k := range keys {
			m[k.(string)] = vals[i]
		}
		return m, nil
	}
	m := make(map[any]any, len(keys))
	for i, k := range keys {
		if k != nil && !reflect.TypeOf(k).Comparable() {
			return nil, errConversion(d.op, path, "dict key %d (%T) cannot be a Go map key; decode into a struct or slice of pairs instead", i, k)
		}
		m[k] = vals[i]
	}
	return m, nil
}

func keyLabel(k any) string {
	if s, ok := k.(string); ok {
		return strconv.Quote(s)
	}
	return reflect.ValueOf(k).String()
}

func (d *decoder) ndarray(v *C.ray_client_value, path string) (NDArray, error) {
	var dt, fortran C.int
	var ndim, nbytes C.size_t
	var shape *C.size_t
	var data unsafe.Pointer
	if err := d.call(func() C.int {
		return C.ray_client_value_ndarray_info(v, &dt, &ndim, &shape, &data, &nbytes, &fortran)
	}); err != nil {
		return NDArray{}, err
	}
	a := NDArray{DType: DType(dt), FortranOrder: fortran != 0, Shape: make([]int, int(ndim))}
	if int(a.DType) < 0 || int(a.DType) >= len(dtypeSliceTypes) {
		return NDArray{}, errConversion(d.op, path, "unknown numpy dtype %d", int(dt))
	}
	total := 1
	if ndim > 0 {
		for i, s := range unsafe.Slice(shape, int(ndim)) {
			a.Shape[i] = int(s)
			total *= int(s)
		}
	}
	size := dtypeSize(a.DType)
	if total*size != int(nbytes) {
		return NDArray{}, errConversion(d.op, path, "numpy array of shape %v has %d bytes", a.Shape, int(nbytes))
	}
	sv := reflect.MakeSlice(dtypeSliceTypes[a.DType], total, total)
	if total > 0 {
		src := unsafe.Slice((*byte)(data), int(nbytes))
		if !nativeLittle && size > 1 {
			src = swapped(src, size)
		}
		dst := unsafe.Slice((*byte)(sv.Index(0).Addr().UnsafePointer()), int(nbytes))
		copy(dst, src)
		if a.DType == DTypeBool {
			// numpy bools are bytes 0/1; normalise anything else to a valid Go bool.
			for i := range dst {
				if dst[i] > 1 {
					dst[i] = 1
				}
			}
		}
	}
	a.Data = sv.Interface()
	return a, nil
}
