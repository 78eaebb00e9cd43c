package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// Go → Ray: a Go value becomes a C value handle by the package's conversion rules.

type encoder struct {
	op     string
	client *Client // nil: refs and actors cannot be encoded (pickles)
	// lendFrom: []byte and numeric payloads of at least this many bytes are lent to the
	// library (borrow.go) instead of copied; 0: never.
	lendFrom int
	loans    []*loan // what was lent
}

// encodeValue converts v into a new value handle, which the caller frees.
func encodeValue(op string, c *Client, v any) (*C.ray_client_value, error) {
	e := encoder{op: op, client: c}
	return e.encode(reflect.ValueOf(v), "value", 0)
}

func (e *encoder) mk(f func(out **C.ray_client_value) cstatus) (*C.ray_client_value, error) {
	var out *C.ray_client_value
	if err := ccall(e.op, func() cstatus { return f(&out) }); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *encoder) none() (*C.ray_client_value, error) {
	return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_none(o) })
}

func (e *encoder) str(s string) (*C.ray_client_value, error) {
	return e.mk(func(o **C.ray_client_value) cstatus {
		return C.ray_client_value_str_n((*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)), o)
	})
}

func (e *encoder) bigint(b *big.Int) (*C.ray_client_value, error) {
	s := C.CString(b.String())
	defer C.free(unsafe.Pointer(s))
	return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_bigint(s, o) })
}

func freeValues(vs []*C.ray_client_value) {
	for _, v := range vs {
		C.ray_client_value_free(v)
	}
}

// container builds a list, tuple, set or frozenset from encoded items (freed here).
func (e *encoder) container(kind int, items []*C.ray_client_value) (*C.ray_client_value, error) {
	defer freeValues(items)
	var p **C.ray_client_value
	if len(items) > 0 {
		p = &items[0]
	}
	n := C.size_t(len(items))
	return e.mk(func(o **C.ray_client_value) cstatus {
		switch kind {
		case C.RAY_CLIENT_VALUE_TUPLE:
			return C.ray_client_value_tuple(p, n, o)
		case C.RAY_CLIENT_VALUE_SET:
			return C.ray_client_value_set(p, n, o)
		case C.RAY_CLIENT_VALUE_FROZENSET:
			return C.ray_client_value_frozenset(p, n, o)
		}
		return C.ray_client_value_list(p, n, o)
	})
}

func (e *encoder) dict(keys, vals []*C.ray_client_value) (*C.ray_client_value, error) {
	defer freeValues(keys)
	defer freeValues(vals)
	var kp, vp **C.ray_client_value
	if len(keys) > 0 {
		kp, vp = &keys[0], &vals[0]
	}
	return e.mk(func(o **C.ray_client_value) cstatus {
		return C.ray_client_value_dict(kp, vp, C.size_t(len(keys)), o)
	})
}

// dictEntries collects the encoded keys and values of a dict, in order, for e.dict
// (which takes them over).
type dictEntries struct {
	ks, vs []*C.ray_client_value
}

func newDictEntries(n int) *dictEntries {
	return &dictEntries{ks: make([]*C.ray_client_value, 0, n), vs: make([]*C.ray_client_value, 0, n)}
}

// add encodes one entry, its key with key and then its value with val, and keeps both.
// When either fails it frees the entry's key and everything kept so far, so that the
// caller only returns the error.
func (d *dictEntries) add(key, val func() (*C.ray_client_value, error)) error {
	kv, err := key()
	if err != nil {
		d.free()
		return err
	}
	vv, err := val()
	if err != nil {
		C.ray_client_value_free(kv)
		d.free()
		return err
	}
	d.ks, d.vs = append(d.ks, kv), append(d.vs, vv)
	return nil
}

func (d *dictEntries) free() {
	freeValues(d.ks)
	freeValues(d.vs)
}

func (e *encoder) encode(rv reflect.Value, path string, depth int) (*C.ray_client_value, error) {
	if depth > maxDepth {
		return nil, errConversion(e.op, path, "nested more than %d levels deep (a cycle?)", maxDepth)
	}
	if !rv.IsValid() {
		return e.none()
	}
	t := rv.Type()
	switch t {
	case refPtrType:
		return e.ref(rv.Interface().(*ObjectRef), path)
	case borrowedPtrType:
		return e.borrowed(rv.Interface().(*Borrowed))
	case actorPtrType:
		return e.actor(rv.Interface().(*ActorHandle), path)
	case reflect.PointerTo(bigIntType):
		if rv.IsNil() {
			return e.none()
		}
		return e.bigint(rv.Interface().(*big.Int))
	case bigIntType:
		b := rv.Interface().(big.Int)
		return e.bigint(&b)
	case ndarrayType:
		return e.ndarray(rv.Interface().(NDArray), path)
	case opaqueType:
		o := rv.Interface().(Opaque)
		return e.fromJSON(o.JSON, path)
	case kwargsType:
		return nil, errConversion(e.op, path, "Kwargs is only allowed as an argument of a call")
	case tupleType, setType, frozenSetType:
		kind := map[reflect.Type]int{tupleType: C.RAY_CLIENT_VALUE_TUPLE, setType: C.RAY_CLIENT_VALUE_SET,
			frozenSetType: C.RAY_CLIENT_VALUE_FROZENSET}[t]
		return e.items(rv, kind, path, depth)
	case byteArrayType:
		b := rv.Bytes()
		return e.mk(func(o **C.ray_client_value) cstatus {
			return C.ray_client_value_bytearray(bytesPtr(b), C.size_t(len(b)), o)
		})
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return e.none()
		}
		return e.encode(rv.Elem(), path, depth+1)
	case reflect.Bool:
		b := rv.Bool()
		return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_bool(cbool(b), o) })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_int(C.int64_t(i), o) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return e.bigint(new(big.Int).SetUint64(u))
		}
		return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_int(C.int64_t(u), o) })
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_float(C.double(f), o) })
	case reflect.String:
		return e.str(rv.String())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() && t.Elem().Kind() != reflect.Uint8 &&
			dtypeOfKind(t.Elem()) < 0 {
			return e.none()
		}
		if t.Elem().Kind() == reflect.Uint8 {
			b := bytesOf(rv)
			if e.lendFrom > 0 && len(b) >= e.lendFrom {
				return e.bytesLent(b)
			}
			return e.mk(func(o **C.ray_client_value) cstatus {
				return C.ray_client_value_bytes(bytesPtr(b), C.size_t(len(b)), o)
			})
		}
		if dt := dtypeOfKind(t.Elem()); dt >= 0 {
			n := rv.Len()
			return e.ndarrayRaw(dt, []int{n}, rv, false, path)
		}
		if t.Elem() == dictItemType {
			return e.dictItems(rv, path, depth)
		}
		return e.items(rv, C.RAY_CLIENT_VALUE_LIST, path, depth)
	case reflect.Map:
		if rv.IsNil() {
			return e.none()
		}
		return e.mapValue(rv, path, depth)
	case reflect.Struct:
		return e.structValue(rv, path, depth)
	}
	return nil, errConversion(e.op, path, "cannot convert a Go %s to a Ray value", t)
}

// bytesOf is the bytes of a []byte-like slice or a byte array (copied when the array
// is not addressable).
func bytesOf(rv reflect.Value) []byte {
	if rv.Kind() == reflect.Slice {
		return rv.Bytes()
	}
	b := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(b), rv)
	return b
}

func (e *encoder) items(rv reflect.Value, kind int, path string, depth int) (*C.ray_client_value, error) {
	n := rv.Len()
	items := make([]*C.ray_client_value, 0, n)
	for i := 0; i < n; i++ {
		v, err := e.encode(rv.Index(i), path+"["+strconv.Itoa(i)+"]", depth+1)
		if err != nil {
			freeValues(items)
			return nil, err
		}
		items = append(items, v)
	}
	return e.container(kind, items)
}

// mapValue encodes a map as a dict; string, integer and float keys are sorted so that
// the dict's (Python-visible) order is deterministic.
func (e *encoder) mapValue(rv reflect.Value, path string, depth int) (*C.ray_client_value, error) {
	keys := rv.MapKeys()
	switch rv.Type().Key().Kind() {
	case reflect.String:
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		sort.Slice(keys, func(i, j int) bool { return keys[i].Int() < keys[j].Int() })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		sort.Slice(keys, func(i, j int) bool { return keys[i].Uint() < keys[j].Uint() })
	case reflect.Float32, reflect.Float64:
		sort.Slice(keys, func(i, j int) bool { return keys[i].Float() < keys[j].Float() })
	}
	d := newDictEntries(len(keys))
	for _, k := range keys {
		kp := path + "[" + keyString(k) + "]"
		if err := d.add(
			func() (*C.ray_client_value, error) { return e.encode(k, kp, depth+1) },
			func() (*C.ray_client_value, error) { return e.encode(rv.MapIndex(k), kp, depth+1) },
		); err != nil {
			return nil, err
		}
	}
	return e.dict(d.ks, d.vs)
}

// dictItems encodes a Dict (any slice of DictItem) as a dict, its entries in order.
func (e *encoder) dictItems(rv reflect.Value, path string, depth int) (*C.ray_client_value, error) {
	n := rv.Len()
	d := newDictEntries(n)
	for i := 0; i < n; i++ {
		it := rv.Index(i).Interface().(DictItem)
		if err := d.add(
			func() (*C.ray_client_value, error) {
				return e.encode(reflect.ValueOf(it.Key), path+"[key "+strconv.Itoa(i)+"]", depth+1)
			},
			// The value's path holds the key's repr, made only once the key encoded: a
			// cyclic key is refused there, and writeRepr would not end on it.
			func() (*C.ray_client_value, error) {
				return e.encode(reflect.ValueOf(it.Value), path+"["+keyRepr(it.Key)+"]", depth+1)
			},
		); err != nil {
			return nil, err
		}
	}
	return e.dict(d.ks, d.vs)
}

func (e *encoder) structValue(rv reflect.Value, path string, depth int) (*C.ray_client_value, error) {
	fields := structFields(rv.Type())
	d := newDictEntries(len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(rv, f.index, false)
		if !ok || (f.omitEmpty && fv.IsZero()) {
			continue
		}
		if err := d.add(
			func() (*C.ray_client_value, error) { return e.str(f.name) },
			func() (*C.ray_client_value, error) { return e.encode(fv, path+"."+f.name, depth+1) },
		); err != nil {
			return nil, err
		}
	}
	return e.dict(d.ks, d.vs)
}

func (e *encoder) ref(r *ObjectRef, path string) (*C.ray_client_value, error) {
	return encodeOwned(e, r, path, "ObjectRef", func(p *C.ray_client_object_ref, out **C.ray_client_value) cstatus {
		return C.ray_client_value_object_ref(p, out)
	})
}

func (e *encoder) actor(a *ActorHandle, path string) (*C.ray_client_value, error) {
	return encodeOwned(e, a, path, "ActorHandle", func(p *C.ray_client_actor, out **C.ray_client_value) cstatus {
		return C.ray_client_value_actor(p, out)
	})
}

// encodeOwned encodes w, which belongs to a client (an ObjectRef or ActorHandle, as
// typeName says in errors), with mk, its _value constructor: only into a call of that
// client, since the handle means nothing to another connection; a nil w is None.
func encodeOwned[W ownedWrapper[P], P comparable](e *encoder, w W, path, typeName string, mk func(p P, out **C.ray_client_value) cstatus) (*C.ray_client_value, error) {
	var none W
	if w == none {
		return e.none()
	}
	if e.client == nil {
		return nil, errConversion(e.op, path, "an %s cannot be encoded outside a call of its client", typeName)
	}
	if w.Client() != e.client {
		return nil, errInvalid(e.op, "%s: the %s belongs to another client", path, typeName)
	}
	var out *C.ray_client_value
	err := useWrapped(w, e.op, func(p P) error {
		return ccall(e.op, func() cstatus { return mk(p, &out) })
	})
	return out, err
}

func (e *encoder) fromJSON(js, path string) (*C.ray_client_value, error) {
	if strings.IndexByte(js, 0) >= 0 {
		return nil, errConversion(e.op, path, "JSON text contains a NUL byte")
	}
	s := C.CString(js)
	defer C.free(unsafe.Pointer(s))
	return e.mk(func(o **C.ray_client_value) cstatus { return C.ray_client_value_from_json(s, o) })
}

func (e *encoder) ndarray(a NDArray, path string) (*C.ray_client_value, error) {
	if a.DType < 0 || int(a.DType) >= len(dtypeSliceTypes) {
		return nil, errConversion(e.op, path, "NDArray: unknown dtype %d", int(a.DType))
	}
	rv := reflect.ValueOf(a.Data)
	if !rv.IsValid() || rv.Kind() != reflect.Slice {
		return nil, errConversion(e.op, path, "NDArray: Data must be a %s, got %T", dtypeSliceTypes[a.DType], a.Data)
	}
	et := rv.Type().Elem()
	want := dtypeSliceTypes[a.DType].Elem()
	if et.Kind() != want.Kind() || et.Size() != want.Size() {
		return nil, errConversion(e.op, path, "NDArray: Data %T does not hold %s elements", a.Data, a.DType)
	}
	shape := a.Shape
	if shape == nil {
		shape = []int{rv.Len()}
	}
	return e.ndarrayRaw(a.DType, shape, rv, a.FortranOrder, path)
}

// ndarrayRaw makes a numpy array from the elements of a numeric slice or array rv.
func (e *encoder) ndarrayRaw(dt DType, shape []int, rv reflect.Value, fortran bool, path string) (*C.ray_client_value, error) {
	total := 1
	cshape := make([]C.size_t, len(shape))
	for i, s := range shape {
		if s < 0 {
			return nil, errConversion(e.op, path, "NDArray: negative dimension %d", s)
		}
		if s != 0 && total > math.MaxInt/s {
			return nil, errConversion(e.op, path, "NDArray: shape %v too large", shape)
		}
		total *= s
		cshape[i] = C.size_t(s)
	}
	if total != rv.Len() {
		return nil, errConversion(e.op, path, "NDArray: shape %v needs %d elements, Data has %d", shape, total, rv.Len())
	}
	size := dtypeSize(dt)
	nbytes := total * size
	var data unsafe.Pointer
	if total > 0 {
		if rv.Kind() == reflect.Array && !rv.CanAddr() {
			cp := reflect.New(rv.Type()).Elem()
			cp.Set(rv)
			rv = cp
		}
		data = rv.Index(0).Addr().UnsafePointer()
		if !nativeLittle && size > 1 {
			data = unsafe.Pointer(&swapped(unsafe.Slice((*byte)(data), nbytes), size)[0])
		}
	}
	if e.lendFrom > 0 && nbytes >= e.lendFrom {
		return e.ndarrayLent(dt, cshape, data, nbytes, fortran)
	}
	var sp *C.size_t
	if len(cshape) > 0 {
		sp = &cshape[0]
	}
	out, err := e.mk(func(o **C.ray_client_value) cstatus {
		return C.ray_client_value_ndarray(C.int(dt), sp, C.size_t(len(cshape)), data, C.size_t(nbytes), cbool(fortran), o)
	})
	return out, err
}
