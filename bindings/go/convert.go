package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Tuple is encoded as a Python tuple (a plain slice becomes a list).
type Tuple []any

// Set is encoded as a Python set.
type Set []any

// FrozenSet is encoded as a Python frozenset.
type FrozenSet []any

// ByteArray is encoded as a Python bytearray ([]byte becomes bytes). Ray's object store
// turns a put bytearray into bytes.
type ByteArray []byte

// Kwargs passes keyword arguments to a remote function, actor constructor or method:
// a Kwargs among the arguments of Remote or Call is taken out of the positional ones
// and its entries become keyword arguments (in sorted key order).
type Kwargs map[string]any

// DType is the element type of a numpy array (the RAY_CLIENT_DTYPE_* constants).
type DType int

// The numpy element types.
const (
	DTypeBool    DType = 0
	DTypeInt8    DType = 1
	DTypeInt16   DType = 2
	DTypeInt32   DType = 3
	DTypeInt64   DType = 4
	DTypeUint8   DType = 5
	DTypeUint16  DType = 6
	DTypeUint32  DType = 7
	DTypeUint64  DType = 8
	DTypeFloat32 DType = 9
	DTypeFloat64 DType = 10
)

var dtypeNames = [...]string{"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
	"uint32", "uint64", "float32", "float64"}

// String is numpy's name of the type ("float64", ...).
func (d DType) String() string {
	if d >= 0 && int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return "dtype(" + strconv.Itoa(int(d)) + ")"
}

var dtypeSliceTypes = [...]reflect.Type{
	reflect.TypeFor[[]bool](), reflect.TypeFor[[]int8](), reflect.TypeFor[[]int16](),
	reflect.TypeFor[[]int32](), reflect.TypeFor[[]int64](), reflect.TypeFor[[]uint8](),
	reflect.TypeFor[[]uint16](), reflect.TypeFor[[]uint32](), reflect.TypeFor[[]uint64](),
	reflect.TypeFor[[]float32](), reflect.TypeFor[[]float64](),
}

// NDArray is a numpy array of any shape. Data is a slice of the Go type of DType
// ([]bool, []int8, ..., []uint8, ..., []float64) holding the product of Shape elements
// in C (row-major) order, or column-major when FortranOrder is set. A nil Shape means
// one dimension of len(Data).
type NDArray struct {
	DType        DType
	Shape        []int
	Data         any
	FortranOrder bool
}

// Opaque is a Python value with no Go counterpart (a module-level function or class,
// or an object of some other class), kept symbolically. JSON is its description in the
// library's JSON form; encoding an Opaque sends the same value back.
type Opaque struct {
	Kind string // "global" or "object"
	JSON string
}

var (
	nativeLittle = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

	bigIntType    = reflect.TypeFor[big.Int]()
	refPtrType    = reflect.TypeFor[*ObjectRef]()
	actorPtrType  = reflect.TypeFor[*Actor]()
	ndarrayType   = reflect.TypeFor[NDArray]()
	opaqueType    = reflect.TypeFor[Opaque]()
	kwargsType    = reflect.TypeFor[Kwargs]()
	tupleType     = reflect.TypeFor[Tuple]()
	setType       = reflect.TypeFor[Set]()
	frozenSetType = reflect.TypeFor[FrozenSet]()
	byteArrayType = reflect.TypeFor[ByteArray]()
)

// maxDepth bounds nesting, so that a cyclic Go value (a pointer loop) gives an error
// instead of exhausting the stack.
const maxDepth = 256

// ---------------------------------------------------------------------------------
// Go → Ray

type encoder struct {
	op     string
	client *Client // nil: refs and actors cannot be encoded (pickles)
}

// encodeValue converts v into a new value handle, which the caller frees.
func encodeValue(op string, c *Client, v any) (*C.ray_client_value, error) {
	e := encoder{op: op, client: c}
	return e.encode(reflect.ValueOf(v), "value", 0)
}

func (e *encoder) mk(f func(out **C.ray_client_value) C.int) (*C.ray_client_value, error) {
	var out *C.ray_client_value
	if err := ccall(e.op, func() C.int { return f(&out) }); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *encoder) none() (*C.ray_client_value, error) {
	return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_none(o) })
}

func (e *encoder) str(s string) (*C.ray_client_value, error) {
	return e.mk(func(o **C.ray_client_value) C.int {
		return C.ray_client_value_str_n((*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)), o)
	})
}

func (e *encoder) bigint(b *big.Int) (*C.ray_client_value, error) {
	s := C.CString(b.String())
	defer C.free(unsafe.Pointer(s))
	return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_bigint(s, o) })
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
	return e.mk(func(o **C.ray_client_value) C.int {
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
	return e.mk(func(o **C.ray_client_value) C.int {
		return C.ray_client_value_dict(kp, vp, C.size_t(len(keys)), o)
	})
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
	case actorPtrType:
		return e.actor(rv.Interface().(*Actor), path)
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
		return e.mk(func(o **C.ray_client_value) C.int {
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
		return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_bool(cbool(b), o) })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_int(C.int64_t(i), o) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return e.bigint(new(big.Int).SetUint64(u))
		}
		return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_int(C.int64_t(u), o) })
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_float(C.double(f), o) })
	case reflect.String:
		return e.str(rv.String())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() && t.Elem().Kind() != reflect.Uint8 &&
			dtypeOfKind(t.Elem()) < 0 {
			return e.none()
		}
		if t.Elem().Kind() == reflect.Uint8 {
			b := bytesOf(rv)
			return e.mk(func(o **C.ray_client_value) C.int {
				return C.ray_client_value_bytes(bytesPtr(b), C.size_t(len(b)), o)
			})
		}
		if dt := dtypeOfKind(t.Elem()); dt >= 0 {
			n := rv.Len()
			return e.ndarrayRaw(dt, []int{n}, rv, false, path)
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
	ks := make([]*C.ray_client_value, 0, len(keys))
	vs := make([]*C.ray_client_value, 0, len(keys))
	fail := func(err error) (*C.ray_client_value, error) {
		freeValues(ks)
		freeValues(vs)
		return nil, err
	}
	for _, k := range keys {
		kp := path + "[" + keyString(k) + "]"
		kv, err := e.encode(k, kp, depth+1)
		if err != nil {
			return fail(err)
		}
		vv, err := e.encode(rv.MapIndex(k), kp, depth+1)
		if err != nil {
			C.ray_client_value_free(kv)
			return fail(err)
		}
		ks, vs = append(ks, kv), append(vs, vv)
	}
	return e.dict(ks, vs)
}

func keyString(k reflect.Value) string {
	for k.Kind() == reflect.Interface && !k.IsNil() {
		k = k.Elem()
	}
	if k.Kind() == reflect.String {
		return strconv.Quote(k.String())
	}
	if k.CanInterface() {
		if s, ok := k.Interface().(interface{ String() string }); ok {
			return s.String()
		}
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(k.Uint(), 10)
	}
	return k.Type().String()
}

// fieldInfo is one Go struct field as a dict entry.
type fieldInfo struct {
	name      string
	index     []int
	omitEmpty bool
}

var structFieldsCache sync.Map // reflect.Type → []fieldInfo

// structFields lists the dict entries of a struct type: exported fields, named by their
// `ray:"name"` tag or else their Go name, skipping `ray:"-"`, with `,omitempty`; fields
// of embedded structs without a name tag are promoted (the shallower field wins a name
// clash, as in encoding/json).
func structFields(t reflect.Type) []fieldInfo {
	if v, ok := structFieldsCache.Load(t); ok {
		return v.([]fieldInfo)
	}
	var out []fieldInfo
	seen := map[string]bool{}
	type level struct {
		t     reflect.Type
		index []int
	}
	current := []level{{t: t}}
	visited := map[reflect.Type]bool{}
	for len(current) > 0 {
		var next []level
		var found []fieldInfo
		for _, l := range current {
			if visited[l.t] {
				continue
			}
			visited[l.t] = true
			for i := 0; i < l.t.NumField(); i++ {
				f := l.t.Field(i)
				tag := f.Tag.Get("ray")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(append([]int(nil), l.index...), i)
				if f.Anonymous && name == "" {
					ft := f.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if ft.Kind() == reflect.Struct {
						next = append(next, level{t: ft, index: index})
						continue
					}
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				found = append(found, fieldInfo{name: name, index: index, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
			}
		}
		for _, f := range found {
			if !seen[f.name] {
				seen[f.name] = true
				out = append(out, f)
			}
		}
		current = next
	}
	structFieldsCache.Store(t, out)
	return out
}

// fieldByIndex follows an index path; ok is false when it crosses a nil embedded
// pointer (when alloc is false) .
func fieldByIndex(v reflect.Value, index []int, alloc bool) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !alloc || !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func (e *encoder) structValue(rv reflect.Value, path string, depth int) (*C.ray_client_value, error) {
	fields := structFields(rv.Type())
	ks := make([]*C.ray_client_value, 0, len(fields))
	vs := make([]*C.ray_client_value, 0, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(rv, f.index, false)
		if !ok || (f.omitEmpty && fv.IsZero()) {
			continue
		}
		kv, err := e.str(f.name)
		if err != nil {
			freeValues(ks)
			freeValues(vs)
			return nil, err
		}
		vv, err := e.encode(fv, path+"."+f.name, depth+1)
		if err != nil {
			C.ray_client_value_free(kv)
			freeValues(ks)
			freeValues(vs)
			return nil, err
		}
		ks, vs = append(ks, kv), append(vs, vv)
	}
	return e.dict(ks, vs)
}

func (e *encoder) ref(r *ObjectRef, path string) (*C.ray_client_value, error) {
	if r == nil {
		return e.none()
	}
	if e.client == nil {
		return nil, errConversion(e.op, path, "an ObjectRef cannot be encoded outside a call of its client")
	}
	if r.client != e.client {
		return nil, errInvalid(e.op, "%s: the ObjectRef belongs to another client", path)
	}
	var out *C.ray_client_value
	err := r.use(e.op, func(p *C.ray_client_object_ref) error {
		return ccall(e.op, func() C.int { return C.ray_client_value_object_ref(p, &out) })
	})
	return out, err
}

func (e *encoder) actor(a *Actor, path string) (*C.ray_client_value, error) {
	if a == nil {
		return e.none()
	}
	if e.client == nil {
		return nil, errConversion(e.op, path, "an Actor cannot be encoded outside a call of its client")
	}
	if a.client != e.client {
		return nil, errInvalid(e.op, "%s: the Actor belongs to another client", path)
	}
	var out *C.ray_client_value
	err := a.use(e.op, func(p *C.ray_client_actor) error {
		return ccall(e.op, func() C.int { return C.ray_client_value_actor(p, &out) })
	})
	return out, err
}

func (e *encoder) fromJSON(js, path string) (*C.ray_client_value, error) {
	if strings.IndexByte(js, 0) >= 0 {
		return nil, errConversion(e.op, path, "JSON text contains a NUL byte")
	}
	s := C.CString(js)
	defer C.free(unsafe.Pointer(s))
	return e.mk(func(o **C.ray_client_value) C.int { return C.ray_client_value_from_json(s, o) })
}

// dtypeOfKind is the numpy type a slice of t becomes, or -1 when such a slice is not a
// numpy array (bool, byte and non-numeric slices).
func dtypeOfKind(t reflect.Type) DType {
	switch t.Kind() {
	case reflect.Int8:
		return DTypeInt8
	case reflect.Int16:
		return DTypeInt16
	case reflect.Int32:
		return DTypeInt32
	case reflect.Int64:
		return DTypeInt64
	case reflect.Int:
		if t.Size() == 4 {
			return DTypeInt32
		}
		return DTypeInt64
	case reflect.Uint16:
		return DTypeUint16
	case reflect.Uint32:
		return DTypeUint32
	case reflect.Uint64:
		return DTypeUint64
	case reflect.Uint:
		if t.Size() == 4 {
			return DTypeUint32
		}
		return DTypeUint64
	case reflect.Float32:
		return DTypeFloat32
	case reflect.Float64:
		return DTypeFloat64
	}
	return -1
}

// dtypeSize is the element size in bytes.
func dtypeSize(d DType) int {
	switch d {
	case DTypeBool, DTypeInt8, DTypeUint8:
		return 1
	case DTypeInt16, DTypeUint16:
		return 2
	case DTypeInt32, DTypeUint32, DTypeFloat32:
		return 4
	}
	return 8
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
	var sp *C.size_t
	if len(cshape) > 0 {
		sp = &cshape[0]
	}
	out, err := e.mk(func(o **C.ray_client_value) C.int {
		return C.ray_client_value_ndarray(C.int(dt), sp, C.size_t(len(cshape)), data, C.size_t(nbytes), cbool(fortran), o)
	})
	return out, err
}

// swapped is a copy of b with the byte order of each size-byte element reversed (numpy
// data is little-endian on the wire; Go's memory is native).
func swapped(b []byte, size int) []byte {
	out := make([]byte, len(b))
	for i := 0; i+size <= len(b); i += size {
		for j := 0; j < size; j++ {
			out[i+j] = b[i+size-1-j]
		}
	}
	return out
}

// ---------------------------------------------------------------------------------
// Ray → Go

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

// ---------------------------------------------------------------------------------
// generic Go value → typed destination

func assign(op string, dst reflect.Value, src any, path string, depth int) error {
	if depth > maxDepth {
		return errConversion(op, path, "nested more than %d levels deep", maxDepth)
	}
	t := dst.Type()
	fail := func() error {
		return errConversion(op, path, "cannot store a %s into a Go %s", describe(src), t)
	}
	if dst.Kind() == reflect.Interface {
		if src == nil {
			dst.SetZero()
			return nil
		}
		sv := reflect.ValueOf(src)
		if !sv.Type().AssignableTo(t) {
			return fail()
		}
		dst.Set(sv)
		return nil
	}
	if src == nil {
		dst.SetZero()
		return nil
	}
	src = widen(src)
	switch t {
	case refPtrType:
		if r, ok := src.(*ObjectRef); ok {
			dst.Set(reflect.ValueOf(r))
			return nil
		}
		return fail()
	case actorPtrType:
		if a, ok := src.(*Actor); ok {
			dst.Set(reflect.ValueOf(a))
			return nil
		}
		return fail()
	case bigIntType:
		switch s := src.(type) {
		case int64:
			dst.Set(reflect.ValueOf(*big.NewInt(s)))
			return nil
		case *big.Int:
			dst.Set(reflect.ValueOf(*new(big.Int).Set(s)))
			return nil
		}
		return fail()
	case ndarrayType:
		switch s := src.(type) {
		case NDArray:
			dst.Set(reflect.ValueOf(s))
			return nil
		default:
			sv := reflect.ValueOf(src)
			for i, st := range dtypeSliceTypes {
				if sv.Type() == st {
					dst.Set(reflect.ValueOf(NDArray{DType: DType(i), Shape: []int{sv.Len()}, Data: src}))
					return nil
				}
			}
		}
		return fail()
	case opaqueType:
		if o, ok := src.(Opaque); ok {
			dst.Set(reflect.ValueOf(o))
			return nil
		}
		return fail()
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(t.Elem()))
		}
		return assign(op, dst.Elem(), src, path, depth+1)
	case reflect.Bool:
		if b, ok := src.(bool); ok {
			dst.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		switch s := src.(type) {
		case int64:
			i = s
		case *big.Int:
			if !s.IsInt64() {
				return errConversion(op, path, "int %s overflows a Go %s", s, t)
			}
			i = s.Int64()
		default:
			return fail()
		}
		if dst.OverflowInt(i) {
			return errConversion(op, path, "int %d overflows a Go %s", i, t)
		}
		dst.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var u uint64
		switch s := src.(type) {
		case int64:
			if s < 0 {
				return errConversion(op, path, "negative int %d cannot be a Go %s", s, t)
			}
			u = uint64(s)
		case *big.Int:
			if !s.IsUint64() {
				return errConversion(op, path, "int %s overflows a Go %s", s, t)
			}
			u = s.Uint64()
		default:
			return fail()
		}
		if dst.OverflowUint(u) {
			return errConversion(op, path, "int %d overflows a Go %s", u, t)
		}
		dst.SetUint(u)
		return nil
	case reflect.Float32, reflect.Float64:
		var f float64
		switch s := src.(type) {
		case float64:
			f = s
		case int64:
			f = float64(s)
		case *big.Int:
			f, _ = new(big.Float).SetInt(s).Float64()
		default:
			return fail()
		}
		if dst.OverflowFloat(f) && !math.IsInf(f, 0) {
			return errConversion(op, path, "float %g overflows a Go %s", f, t)
		}
		dst.SetFloat(f)
		return nil
	case reflect.String:
		switch s := src.(type) {
		case string:
			dst.SetString(s)
			return nil
		case []byte:
			dst.SetString(string(s))
			return nil
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			switch s := src.(type) {
			case []byte:
				b := reflect.MakeSlice(t, len(s), len(s))
				reflect.Copy(b, reflect.ValueOf(s))
				dst.Set(b)
				return nil
			case string:
				b := reflect.MakeSlice(t, len(s), len(s))
				reflect.Copy(b, reflect.ValueOf([]byte(s)))
				dst.Set(b)
				return nil
			}
		}
		sv := reflect.ValueOf(src)
		if sv.Kind() != reflect.Slice || sv.Type() == reflect.TypeFor[[]byte]() && t.Elem().Kind() != reflect.Uint8 {
			if _, ok := src.(NDArray); ok {
				return errConversion(op, path, "a %d-dimensional numpy array needs an NDArray destination", len(src.(NDArray).Shape))
			}
			return fail()
		}
		if sv.Type() == t {
			dst.Set(sv) // a freshly decoded slice of the right type: no copy needed
			return nil
		}
		out := reflect.MakeSlice(t, sv.Len(), sv.Len())
		for i := 0; i < sv.Len(); i++ {
			if err := assign(op, out.Index(i), sv.Index(i).Interface(), path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		dst.Set(out)
		return nil
	case reflect.Array:
		sv := reflect.ValueOf(src)
		if b, ok := src.([]byte); ok && t.Elem().Kind() == reflect.Uint8 {
			sv = reflect.ValueOf(b)
		} else if sv.Kind() != reflect.Slice {
			return fail()
		}
		if sv.Len() != t.Len() {
			return errConversion(op, path, "%d items do not fit a Go %s", sv.Len(), t)
		}
		for i := 0; i < sv.Len(); i++ {
			if err := assign(op, dst.Index(i), sv.Index(i).Interface(), path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		sv := reflect.ValueOf(src)
		if sv.Kind() != reflect.Map {
			return fail()
		}
		m := reflect.MakeMapWithSize(t, sv.Len())
		iter := sv.MapRange()
		for iter.Next() {
			kp := path + "[" + keyString(iter.Key()) + "]"
			k := reflect.New(t.Key()).Elem()
			if err := assign(op, k, iter.Key().Interface(), kp, depth+1); err != nil {
				return err
			}
			v := reflect.New(t.Elem()).Elem()
			if err := assign(op, v, iter.Value().Interface(), kp, depth+1); err != nil {
				return err
			}
			m.SetMapIndex(k, v)
		}
		dst.Set(m)
		return nil
	case reflect.Struct:
		return assignStruct(op, dst, src, path, depth)
	}
	return fail()
}

// widen turns the elements of decoded numpy arrays (int8 … float32) into the generic
// forms int64, *big.Int and float64, so that they convert like Python numbers.
func widen(v any) any {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return new(big.Int).SetUint64(x)
		}
		return int64(x)
	case float32:
		return float64(x)
	}
	return v
}

// assignStruct fills a struct from a dict with str keys: each key goes to the field of
// that name (tag or Go name), or else to one whose name matches ignoring case; other
// keys are ignored, missing fields keep their values.
func assignStruct(op string, dst reflect.Value, src any, path string, depth int) error {
	entries := map[string]any{}
	switch s := src.(type) {
	case map[string]any:
		entries = s
	case map[any]any:
		for k, v := range s {
			ks, ok := k.(string)
			if !ok {
				return errConversion(op, path, "dict key %v is not a str, so it cannot name a field of %s", k, dst.Type())
			}
			entries[ks] = v
		}
	default:
		return errConversion(op, path, "cannot store a %s into a Go %s", describe(src), dst.Type())
	}
	fields := structFields(dst.Type())
	for key, val := range entries {
		var f *fieldInfo
		for i := range fields {
			if fields[i].name == key {
				f = &fields[i]
				break
			}
		}
		if f == nil {
			for i := range fields {
				if strings.EqualFold(fields[i].name, key) {
					f = &fields[i]
					break
				}
			}
		}
		if f == nil {
			continue
		}
		fv, _ := fieldByIndex(dst, f.index, true)
		if err := assign(op, fv, val, path+"."+f.name, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// describe names a decoded value's Python kind for error messages.
func describe(v any) string {
	switch s := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case []any:
		return "list/tuple/set"
	case map[string]any, map[any]any:
		return "dict"
	case *ObjectRef:
		return "object ref"
	case *Actor:
		return "actor handle"
	case NDArray:
		return fmt.Sprintf("numpy %s array of shape %v", s.DType, s.Shape)
	case Opaque:
		return "Python " + s.Kind
	}
	t := reflect.TypeOf(v)
	for i, st := range dtypeSliceTypes {
		if t == st {
			return "numpy " + DType(i).String() + " array"
		}
	}
	return t.String()
}

// MarshalPickle encodes v (by the package's conversion rules) as a protocol 5 pickle,
// without a cluster. Object refs and actors cannot be pickled this way. A numpy array
// in such a pickle decodes (UnmarshalPickle) as an Opaque description of numpy's
// reconstruction, not as a slice: arrays keep their typed form only through the object
// store.
func MarshalPickle(v any) ([]byte, error) {
	const op = "MarshalPickle"
	val, err := encodeValue(op, nil, v)
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(val)
	var data *C.uint8_t
	var n C.size_t
	if err := ccall(op, func() C.int { return C.ray_client_value_to_pickle(val, &data, &n) }); err != nil {
		return nil, err
	}
	defer C.ray_client_bytes_free(data)
	return C.GoBytes(unsafe.Pointer(data), C.int(n)), nil
}

// UnmarshalPickle decodes a pickle (protocols 0-5; decoded symbolically, nothing is
// executed) into the Go value dst points to; a *any receives the generic form.
func UnmarshalPickle(data []byte, dst any) error {
	const op = "UnmarshalPickle"
	if err := checkDst(op, dst); err != nil {
		return err
	}
	var val *C.ray_client_value
	if err := ccall(op, func() C.int {
		return C.ray_client_value_from_pickle(bytesPtr(data), C.size_t(len(data)), &val)
	}); err != nil {
		return err
	}
	defer C.ray_client_value_free(val)
	return decodeInto(op, nil, val, dst)
}
