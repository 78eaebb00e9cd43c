package ray

// The Go types that stand for Python values, and what encoding (convert_encode.go),
// decoding (convert_decode.go) and storing into typed destinations (convert_assign.go)
// share.

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// Tuple is encoded as a Python tuple (a plain slice becomes a list).
type Tuple []any

// Set is encoded as a Python set.
type Set []any

// FrozenSet is encoded as a Python frozenset.
type FrozenSet []any

// DictItem is one entry of a [Dict].
type DictItem struct {
	Key, Value any
}

// Dict is a Python dict as its entries, in the dict's order. Python keys may be any
// hashable value, Go map keys only comparable ones, so a dict with a key no Go map can
// hold (a tuple, a frozenset, bytes) decodes to a Dict rather than to a map; its keys
// come in forms that encode back to the same Python keys (tuple → Tuple, frozenset →
// FrozenSet, bytes → []byte), so that a Dict encodes back to an equal dict. Any dict can
// be decoded into a Dict or another slice of pairs ([][2]any, ...) to keep its order.
// A Dict, or any []DictItem, encodes as a dict with its entries in order.
type Dict []DictItem

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

	bigIntType      = reflect.TypeFor[big.Int]()
	refPtrType      = reflect.TypeFor[*ObjectRef]()
	actorPtrType    = reflect.TypeFor[*ActorHandle]()
	ndarrayType     = reflect.TypeFor[NDArray]()
	opaqueType      = reflect.TypeFor[Opaque]()
	kwargsType      = reflect.TypeFor[Kwargs]()
	tupleType       = reflect.TypeFor[Tuple]()
	setType         = reflect.TypeFor[Set]()
	frozenSetType   = reflect.TypeFor[FrozenSet]()
	byteArrayType   = reflect.TypeFor[ByteArray]()
	dictType        = reflect.TypeFor[Dict]()
	dictItemType    = reflect.TypeFor[DictItem]()
	borrowedPtrType = reflect.TypeFor[*Borrowed]()
)

// maxDepth bounds nesting, so that a cyclic Go value (a pointer loop) gives an error
// instead of exhausting the stack.
const maxDepth = 256

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
	case Tuple:
		return "tuple"
	case FrozenSet:
		return "frozenset"
	case Dict:
		return "dict"
	case *ObjectRef:
		return "object ref"
	case *ActorHandle:
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

// keyRepr writes a decoded dict key as Python's repr would, for paths and messages:
// 'x', 5, (1, 2), frozenset({4}), b'k'.
func keyRepr(k any) string {
	var b strings.Builder
	writeRepr(&b, k)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	items := func(open, close string, xs []any) {
		b.WriteString(open)
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, x)
		}
		b.WriteString(close)
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		b.WriteString(pyQuote(x))
	case []byte:
		b.WriteString("b" + pyQuote(string(x)))
	case Tuple:
		if len(x) == 1 {
			items("(", ",)", x)
		} else {
			items("(", ")", x)
		}
	case FrozenSet:
		items("frozenset({", "})", x)
	case []any:
		items("[", "]", x)
	default:
		fmt.Fprint(b, x)
	}
}

// pyQuote quotes s in single quotes, as Python's repr of a str does when s has none.
func pyQuote(s string) string {
	q := strconv.Quote(s)
	if strings.ContainsRune(s, '\'') {
		return q
	}
	return "'" + strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`) + "'"
}
