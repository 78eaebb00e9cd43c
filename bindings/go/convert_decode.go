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

// Ray → Go: a C value handle becomes a Go value. The decoder produces the ordered form:
// the generic form Get returns (see the package documentation), except that every dict
// is a Dict, in the dict's order, so that assign (convert_assign.go) can store it into
// a slice of pairs, a map or a struct alike; generic turns it into what Get returns.

type decoder struct {
	op     string
	client *Client // owner of decoded refs and actors; nil for pickles
}

func decodeValue(op string, c *Client, v *C.ray_client_value) (any, error) {
	d := decoder{op: op, client: c}
	x, err := d.decode(v, "value", 0)
	if err != nil {
		return nil, err
	}
	return generic(x), nil
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

func (d *decoder) call(f func() cstatus) error { return ccall(d.op, f) }

// decodeOwned decodes a handle that belongs to a client (an object ref or actor, as
// what says in errors): get takes a new C handle from the value, and wrap gives it to
// d's client. Only a decoder of a client's call has one to give it to.
func decodeOwned[W any, P any](d *decoder, path, what string, get func(out *P) cstatus, wrap func(*Client, P) W) (any, error) {
	if d.client == nil {
		return nil, errConversion(d.op, path, "%s outside a client", what)
	}
	var p P
	if err := d.call(func() cstatus { return get(&p) }); err != nil {
		return nil, err
	}
	return wrap(d.client, p), nil
}

func (d *decoder) decode(v *C.ray_client_value, path string, depth int) (any, error) {
	return d.value(v, path, depth, false)
}

// value decodes v; asKey: v is hashable in Python, a dict key or a set's element (or
// part of one), whose tuples and frozensets keep their kind (Tuple, FrozenSet) so that
// it encodes back to the same Python value (a list there would be refused by Python).
func (d *decoder) value(v *C.ray_client_value, path string, depth int, asKey bool) (any, error) {
	if depth > maxDepth {
		return nil, errConversion(d.op, path, "nested more than %d levels deep", maxDepth)
	}
	var kind C.int
	if err := d.call(func() cstatus { return C.ray_client_value_kind(v, &kind) }); err != nil {
		return nil, err
	}
	switch kind {
	case C.RAY_CLIENT_VALUE_NONE:
		return nil, nil
	case C.RAY_CLIENT_VALUE_BOOL:
		var b C.int
		err := d.call(func() cstatus { return C.ray_client_value_get_bool(v, &b) })
		return b != 0, err
	case C.RAY_CLIENT_VALUE_INT:
		var i C.int64_t
		err := d.call(func() cstatus { return C.ray_client_value_get_int(v, &i) })
		return int64(i), err
	case C.RAY_CLIENT_VALUE_BIGINT:
		var s *C.char
		if err := d.call(func() cstatus { return C.ray_client_value_get_bigint(v, &s) }); err != nil {
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
		err := d.call(func() cstatus { return C.ray_client_value_get_float(v, &f) })
		return float64(f), err
	case C.RAY_CLIENT_VALUE_STR:
		var p *C.char
		var n C.size_t
		if err := d.call(func() cstatus { return C.ray_client_value_get_str(v, &p, &n) }); err != nil {
			return nil, err
		}
		return C.GoStringN(p, C.int(n)), nil
	case C.RAY_CLIENT_VALUE_BYTES, C.RAY_CLIENT_VALUE_BYTEARRAY:
		var p *C.uint8_t
		var n C.size_t
		if err := d.call(func() cstatus { return C.ray_client_value_get_bytes(v, &p, &n) }); err != nil {
			return nil, err
		}
		if n == 0 {
			return []byte{}, nil
		}
		return C.GoBytes(unsafe.Pointer(p), C.int(n)), nil
	case C.RAY_CLIENT_VALUE_LIST, C.RAY_CLIENT_VALUE_TUPLE, C.RAY_CLIENT_VALUE_SET, C.RAY_CLIENT_VALUE_FROZENSET:
		var n C.size_t
		if err := d.call(func() cstatus { return C.ray_client_value_len(v, &n) }); err != nil {
			return nil, err
		}
		out := make([]any, int(n))
		hashable := asKey || kind == C.RAY_CLIENT_VALUE_SET || kind == C.RAY_CLIENT_VALUE_FROZENSET
		for i := range out {
			var it *C.ray_client_value
			if err := d.call(func() cstatus { return C.ray_client_value_item(v, C.size_t(i), &it) }); err != nil {
				return nil, err
			}
			x, err := d.value(it, path+"["+strconv.Itoa(i)+"]", depth+1, hashable)
			C.ray_client_value_free(it)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		switch {
		case asKey && kind == C.RAY_CLIENT_VALUE_TUPLE:
			return Tuple(out), nil
		case asKey && kind == C.RAY_CLIENT_VALUE_FROZENSET:
			return FrozenSet(out), nil
		}
		return out, nil
	case C.RAY_CLIENT_VALUE_DICT:
		return d.dict(v, path, depth)
	case C.RAY_CLIENT_VALUE_OBJECT_REF:
		return decodeOwned(d, path, "an object ref", func(r **C.ray_client_object_ref) cstatus {
			return C.ray_client_value_get_object_ref(v, r)
		}, newObjectRef)
	case C.RAY_CLIENT_VALUE_ACTOR:
		return decodeOwned(d, path, "an actor handle", func(a **C.ray_client_actor) cstatus {
			return C.ray_client_value_get_actor(v, a)
		}, newActorHandle)
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
		if err := d.call(func() cstatus { return C.ray_client_value_to_json(v, &s) }); err != nil {
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

// dict decodes a dict to a Dict, in order; keys keep their kind (see value).
func (d *decoder) dict(v *C.ray_client_value, path string, depth int) (Dict, error) {
	var n C.size_t
	if err := d.call(func() cstatus { return C.ray_client_value_len(v, &n) }); err != nil {
		return nil, err
	}
	out := make(Dict, int(n))
	for i := range out {
		var k, it *C.ray_client_value
		if err := d.call(func() cstatus { return C.ray_client_value_dict_item(v, C.size_t(i), &k, &it) }); err != nil {
			return nil, err
		}
		kx, err := d.value(k, path+"[key "+strconv.Itoa(i)+"]", depth+1, true)
		C.ray_client_value_free(k)
		if err != nil {
			C.ray_client_value_free(it)
			return nil, err
		}
		vx, err := d.value(it, path+"["+keyRepr(kx)+"]", depth+1, false)
		C.ray_client_value_free(it)
		if err != nil {
			return nil, err
		}
		out[i] = DictItem{Key: kx, Value: vx}
	}
	return out, nil
}

// generic turns the decoder's ordered form into the generic form Get returns: a Dict
// becomes a map[string]any when every key is a str, a map[any]any when every key can
// key a Go map, and stays a Dict otherwise (tuple, frozenset or bytes keys); values
// within are turned likewise. Lists and Dicts are changed in place: x is freshly
// decoded and nobody else holds it.
func generic(x any) any {
	switch v := x.(type) {
	case []any:
		for i := range v {
			v[i] = generic(v[i])
		}
	case Dict:
		allStr, mappable := true, true
		for i := range v {
			v[i].Value = generic(v[i].Value)
			if _, ok := v[i].Key.(string); !ok {
				allStr = false
			}
			if v[i].Key != nil && !reflect.ValueOf(v[i].Key).Comparable() {
				mappable = false
			}
		}
		switch {
		case allStr:
			m := make(map[string]any, len(v))
			for _, it := range v {
				m[it.Key.(string)] = it.Value
			}
			return m
		case mappable:
			m := make(map[any]any, len(v))
			for _, it := range v {
				m[it.Key] = it.Value
			}
			return m
		}
	}
	return x
}

func (d *decoder) ndarray(v *C.ray_client_value, path string) (NDArray, error) {
	var dt, fortran C.int
	var ndim, nbytes C.size_t
	var shape *C.size_t
	var data unsafe.Pointer
	if err := d.call(func() cstatus {
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
