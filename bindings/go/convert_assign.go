package ray

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// assign stores src, a decoded value in the decoder's ordered form (dicts as Dict),
// into dst, converting to dst's type and failing with a ConversionError on a mismatch or
// overflow. An interface destination receives the generic form, as from Get.
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
		sv := reflect.ValueOf(generic(src))
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
		if a, ok := src.(*ActorHandle); ok {
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
	case dictItemType:
		if it, ok := src.(DictItem); ok {
			dst.Set(reflect.ValueOf(DictItem{Key: it.Key, Value: generic(it.Value)}))
			return nil
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
		if d, ok := src.(Dict); ok {
			return assignPairs(op, dst, d, path, depth)
		}
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
			// A freshly decoded slice of the right type: no copy needed (dicts within
			// take the generic form in place).
			dst.Set(reflect.ValueOf(generic(src)))
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
		if it, ok := src.(DictItem); ok && t.Len() == 2 {
			// One entry of a dict into a pair, [2]T: key, value.
			kp := path + "[" + keyRepr(it.Key) + "]"
			if err := assign(op, dst.Index(0), it.Key, kp, depth+1); err != nil {
				return err
			}
			return assign(op, dst.Index(1), it.Value, kp, depth+1)
		}
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
		d, ok := src.(Dict)
		if !ok {
			return fail()
		}
		m := reflect.MakeMapWithSize(t, len(d))
		for _, it := range d {
			kp := path + "[" + keyRepr(it.Key) + "]"
			k := reflect.New(t.Key()).Elem()
			err := assign(op, k, it.Key, kp, depth+1)
			if it.Key != nil && !reflect.ValueOf(it.Key).Comparable() && (err != nil || !k.Comparable()) {
				// A tuple, frozenset or bytes key: hashable in Python, no Go map key.
				return errConversion(op, path, "dict key %s is a Python %s, which cannot be a key of a Go %s; decode into a ray.Dict or a slice of pairs ([][2]any) instead",
					keyRepr(it.Key), describe(it.Key), t)
			}
			if err != nil {
				return err
			}
			v := reflect.New(t.Elem()).Elem()
			if err := assign(op, v, it.Value, kp, depth+1); err != nil {
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
	d, ok := src.(Dict)
	if !ok {
		return errConversion(op, path, "cannot store a %s into a Go %s", describe(src), dst.Type())
	}
	fields := structFields(dst.Type())
	for _, it := range d {
		key, ok := it.Key.(string)
		if !ok {
			return errConversion(op, path, "dict key %s is not a str, so it cannot name a field of %s", keyRepr(it.Key), dst.Type())
		}
		val := it.Value
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

// assignPairs stores a dict's entries, in order, into a slice of pairs: DictItems
// (Dict, []DictItem) or two-element arrays ([][2]any, [][2]string, ...).
func assignPairs(op string, dst reflect.Value, d Dict, path string, depth int) error {
	t := dst.Type()
	if et := t.Elem(); et != dictItemType && (et.Kind() != reflect.Array || et.Len() != 2) {
		return errConversion(op, path, "cannot store a dict into a Go %s; a map, a struct or a slice of pairs ([][2]T, ray.Dict) can hold one", t)
	}
	out := reflect.MakeSlice(t, len(d), len(d))
	for i, it := range d {
		if err := assign(op, out.Index(i), it, path, depth+1); err != nil {
			return err
		}
	}
	dst.Set(out)
	return nil
}
