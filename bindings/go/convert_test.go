package ray

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// roundTrip encodes v to a pickle and decodes it back into a new value of dst's type.
func roundTrip(t *testing.T, v any, dst any) {
	t.Helper()
	data, err := MarshalPickle(v)
	if err != nil {
		t.Fatalf("MarshalPickle(%#v): %v", v, err)
	}
	if err := UnmarshalPickle(data, dst); err != nil {
		t.Fatalf("UnmarshalPickle(%#v): %v", v, err)
	}
}

// Offline (pickle) round trips. numpy arrays are left to TestConvertThroughCluster:
// a pickle decoded here keeps an array symbolic (Opaque); arrays travel the object
// store in Ray's own format.
func TestConvertGenericRoundTrip(t *testing.T) {
	big70 := new(big.Int).Lsh(big.NewInt(1), 70)
	cases := []struct {
		in, want any
	}{
		{nil, nil},
		{true, true},
		{-5, int64(-5)},
		{uint8(200), int64(200)},
		{uint64(math.MaxUint64), new(big.Int).SetUint64(math.MaxUint64)},
		{big70, big70},
		{3.5, 3.5},
		{float32(0.5), 0.5},
		{"héllo\x00world", "héllo\x00world"},
		{[]byte{0, 1, 255}, []byte{0, 1, 255}},
		{[]byte{}, []byte{}},
		{ByteArray{9}, []byte{9}},
		{[2]byte{1, 2}, []byte{1, 2}},
		{[]any{1, "a", nil}, []any{int64(1), "a", nil}},
		{[]string{"x", "y"}, []any{"x", "y"}},
		{[]bool{true, false}, []any{true, false}},
		{Tuple{1, 2}, []any{int64(1), int64(2)}},
		{Set{3}, []any{int64(3)}},
		{FrozenSet{4}, []any{int64(4)}},
		{map[string]int{"b": 2, "a": 1}, map[string]any{"a": int64(1), "b": int64(2)}},
		{map[int]string{1: "one"}, map[any]any{int64(1): "one"}},
		{[]any(nil), nil},
	}
	for _, c := range cases {
		var got any
		roundTrip(t, c.in, &got)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%#v: got %#v (%T), want %#v (%T)", c.in, got, got, c.want, c.want)
		}
	}
}

type inner struct {
	Depth int `ray:"depth"`
}

type point struct {
	X     int    `ray:"x"`
	Y     int    // no tag: the Go name
	Skip  int    `ray:"-"`
	Note  string `ray:"note,omitempty"`
	Tags  []string
	inner // promoted
	priv  int
}

func TestConvertStructRule(t *testing.T) {
	p := point{X: 1, Y: 2, Skip: 3, Tags: []string{"a"}, inner: inner{Depth: 4}, priv: 5}
	var generic any
	roundTrip(t, p, &generic)
	want := map[string]any{"x": int64(1), "Y": int64(2), "Tags": []any{"a"}, "depth": int64(4)}
	if !reflect.DeepEqual(generic, want) {
		t.Fatalf("struct as dict: got %#v, want %#v", generic, want)
	}
	var back point
	roundTrip(t, p, &back)
	p.Skip, p.priv = 0, 0
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("struct round trip: got %+v, want %+v", back, p)
	}
	// Decoding matches keys ignoring case when there is no exact name, and ignores
	// unknown keys.
	var q point
	roundTrip(t, map[string]any{"X": 7, "y": 8, "NOTE": "n", "other": 1}, &q)
	if q.X != 7 || q.Y != 8 || q.Note != "n" {
		t.Fatalf("case-insensitive decode: %+v", q)
	}
	// Pointers, nested maps and slices of structs.
	type outer struct {
		P   *point
		Ps  []point
		M   map[string]*inner
		Arr [2]string
	}
	o := outer{P: &point{X: 1}, Ps: []point{{Y: 2}}, M: map[string]*inner{"k": {Depth: 3}}, Arr: [2]string{"5", "6"}}
	var ob outer
	roundTrip(t, o, &ob)
	if ob.P == nil || ob.P.X != 1 || len(ob.Ps) != 1 || ob.Ps[0].Y != 2 || ob.M["k"].Depth != 3 || ob.Arr != [2]string{"5", "6"} {
		t.Fatalf("nested struct round trip: %+v", ob)
	}
}

func TestConvertTypedDestinations(t *testing.T) {
	var i8 int8
	roundTrip(t, 100, &i8)
	var u uint64
	roundTrip(t, uint64(math.MaxUint64), &u)
	if i8 != 100 || u != math.MaxUint64 {
		t.Fatalf("ints: %d %d", i8, u)
	}
	var f32 float32
	roundTrip(t, 2, &f32)
	var s string
	roundTrip(t, []byte("raw"), &s)
	var b []byte
	roundTrip(t, "text", &b)
	var bi big.Int
	roundTrip(t, new(big.Int).Lsh(big.NewInt(3), 80), &bi)
	if f32 != 2 || s != "raw" || string(b) != "text" || bi.Cmp(new(big.Int).Lsh(big.NewInt(3), 80)) != 0 {
		t.Fatalf("typed: %v %q %q %v", f32, s, b, &bi)
	}
	var fs []float64
	roundTrip(t, []any{1, 2.5}, &fs)
	var is []int
	roundTrip(t, []any{4, 5}, &is)
	var m map[string][]int
	roundTrip(t, map[string]any{"a": []any{1}}, &m)
	if !reflect.DeepEqual(fs, []float64{1, 2.5}) || !reflect.DeepEqual(is, []int{4, 5}) ||
		!reflect.DeepEqual(m, map[string][]int{"a": {1}}) {
		t.Fatalf("typed containers: %v %v %v", fs, is, m)
	}
	var p *int
	roundTrip(t, nil, &p)
	if p != nil {
		t.Fatal("None into a pointer is nil")
	}
}

type cyclic struct{ Next *cyclic }

func TestConvertErrors(t *testing.T) {
	loop := &cyclic{}
	loop.Next = loop
	bad := []any{
		make(chan int),
		func() {},
		complex(1, 2),
		loop,
		NDArray{DType: DTypeFloat64, Shape: []int{3}, Data: []float64{1}},
		NDArray{DType: DTypeFloat64, Data: []int64{1}},
		NDArray{DType: 99, Data: []int64{1}},
		NDArray{DType: DTypeInt8, Shape: []int{-1}, Data: []int8{}},
		[]any{Kwargs{"a": 1}},
		Opaque{Kind: "object", JSON: "not json"},
	}
	for _, v := range bad {
		_, err := MarshalPickle(v)
		if err == nil {
			t.Errorf("MarshalPickle(%T) succeeded", v)
			continue
		}
		var ce *ConversionError
		if !errors.As(err, &ce) && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("MarshalPickle(%T): %v is neither a ConversionError nor an invalid argument", v, err)
		}
	}
	mismatch := []struct {
		in  any
		dst any
	}{
		{300, new(int8)},
		{-1, new(uint)},
		{"x", new(int)},
		{1.5, new(int)},
		{[]any{1}, new(string)},
		{NDArray{DType: DTypeInt8, Shape: []int{1, 1}, Data: []int8{1}}, new([]int8)},
		{[]any{1, 2, 3}, new([2]int)},
		{map[string]any{"a": 1}, new([]int)},
		{1, new(map[string]int)},
		{"s", new(point)},
		{[]any{"a"}, new(error)},
	}
	for _, m := range mismatch {
		data, err := MarshalPickle(m.in)
		if err != nil {
			t.Fatal(err)
		}
		err = UnmarshalPickle(data, m.dst)
		var ce *ConversionError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConversion) || ErrorCode(err) != codeGoConversion {
			t.Errorf("%#v into %T: got %v, want a ConversionError", m.in, m.dst, err)
		}
	}
	if err := UnmarshalPickle([]byte{1, 2, 3}, new(any)); !errors.Is(err, ErrPickle) {
		t.Errorf("garbage pickle: %v", err)
	}
	if err := UnmarshalPickle(nil, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil destination: %v", err)
	}
	var notPtr int
	if err := UnmarshalPickle([]byte{0x80, 5, 'N', '.'}, notPtr); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("non-pointer destination: %v", err)
	}
}

// Values reach Python as the documented types and come back unchanged.
func TestConvertThroughCluster(t *testing.T) {
	ctx, c := setup(t)
	typeOf := map[string]any{
		"NoneType":  nil,
		"bool":      true,
		"int":       new(big.Int).Lsh(big.NewInt(1), 100),
		"float":     1.25,
		"str":       "s",
		"bytes":     []byte("b"),
		"list":      []string{"a"},
		"tuple":     Tuple{1},
		"set":       Set{1},
		"frozenset": FrozenSet{1},
		"dict":      point{X: 1},
		"ndarray":   []float64{1, 2},
	}
	for want, v := range typeOf {
		got := getAs[string](t, c, must(c.Call(ctx, tasks, "type_name", v))(t))
		if got != want {
			t.Errorf("type_name(%#v) = %q, want %q", v, got, want)
		}
	}
	// (A bytearray argument arrives as bytes: Ray's serialization turns it into bytes.)
	vals := []any{nil, true, int64(-3), 2.5, "ü", []byte{1}, []any{int64(1), "x"},
		map[string]any{"k": []any{int64(1)}}, []float64{0.5, 2}, []float64{}, []int8{-1},
		[]int16{7}, []int32{-1, 7}, []int64{1}, []uint16{65535}, []uint32{4}, []uint64{1 << 63},
		[]float32{1, 2, 3}, NDArray{DType: DTypeInt16, Shape: []int{2, 2}, Data: []int16{1, 2, 3, 4}},
		NDArray{DType: DTypeUint8, Shape: []int{1, 3}, Data: []uint8{1, 2, 3}},
		NDArray{DType: DTypeFloat64, Shape: []int{2, 2, 1}, Data: []float64{1, 2, 3, 4}}}
	for _, v := range vals {
		ref := must(c.Call(ctx, tasks, "identity", v))(t)
		got := must(c.Get(ctx, ref))(t)
		ref.Close()
		if !reflect.DeepEqual(got, v) {
			t.Errorf("identity(%#v) = %#v", v, got)
		}
	}
	// Go-specific forms: []int is int64 (or int32) numpy, [N]T arrays too, bool arrays.
	conv := []struct{ in, want any }{
		{[]int{1, 2, 3}, []int64{1, 2, 3}},
		{[3]float32{1, 2, 3}, []float32{1, 2, 3}},
		{NDArray{DType: DTypeBool, Data: []bool{true, false}}, []bool{true, false}},
		{ByteArray{1}, []byte{1}},
	}
	for _, cv := range conv {
		ref := must(c.Call(ctx, tasks, "identity", cv.in))(t)
		got := must(c.Get(ctx, ref))(t)
		ref.Close()
		if !reflect.DeepEqual(got, cv.want) {
			t.Errorf("identity(%#v) = %#v, want %#v", cv.in, got, cv.want)
		}
	}
	var is []int
	ref0 := must(c.Call(ctx, tasks, "identity", []int32{4, 5}))(t)
	if err := c.GetInto(ctx, ref0, &is); err != nil || !reflect.DeepEqual(is, []int{4, 5}) {
		t.Errorf("int32 array into []int: %v %v", is, err)
	}
	var f2 []float64
	if err := c.GetInto(ctx, ref0, &f2); err != nil || !reflect.DeepEqual(f2, []float64{4, 5}) {
		t.Errorf("int32 array into []float64: %v %v", f2, err)
	}
	var i8 []int8
	if err := c.GetInto(ctx, ref0, &i8); err != nil || !reflect.DeepEqual(i8, []int8{4, 5}) {
		t.Errorf("int32 array into []int8: %v %v", i8, err)
	}
	var arr NDArray
	if err := c.GetInto(ctx, ref0, &arr); err != nil || arr.DType != DTypeInt32 || !reflect.DeepEqual(arr.Shape, []int{2}) {
		t.Errorf("1-D array into NDArray: %+v %v", arr, err)
	}
	ref0.Close()
	// A 2-D array made by numpy, and one made here described by numpy.
	a := getAs[NDArray](t, c, must(c.Call(ctx, tasks, "make_array", 2, 3))(t))
	if a.DType != DTypeFloat64 || !reflect.DeepEqual(a.Shape, []int{2, 3}) ||
		!reflect.DeepEqual(a.Data, []float64{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("make_array(2, 3) = %+v", a)
	}
	type desc struct {
		Type  string
		Dtype string
		Shape []int
		Sum   float64
	}
	d := getAs[desc](t, c, must(c.Call(ctx, tasks, "describe_array",
		NDArray{DType: DTypeInt32, Shape: []int{2, 2}, Data: []int32{1, 2, 3, 4}}))(t))
	if d.Type != "numpy.ndarray" || d.Dtype != "int32" || !reflect.DeepEqual(d.Shape, []int{2, 2}) || d.Sum != 10 {
		t.Fatalf("describe_array = %+v", d)
	}
	// A dict whose keys are tuples has no Go map form: a Dict (see TestTupleKeyedDict).
	ref := must(c.FunctionFromSource("def tuple_keys():\n    return {(1, 2): 3}\n", "tuple_keys").Remote(ctx))(t)
	defer ref.Close()
	if got, err := c.Get(ctx, ref); err != nil || !reflect.DeepEqual(got, Dict{{Tuple{int64(1), int64(2)}, int64(3)}}) {
		t.Fatalf("tuple-keyed dict: %#v, %v", got, err)
	}
	// Python objects without a Go form come back as Opaque and can be sent back.
	ref2 := must(c.FunctionFromSource("def a_global():\n    import collections\n    return collections.OrderedDict\n", "a_global").Remote(ctx))(t)
	o, ok := must(c.Get(ctx, ref2))(t).(Opaque)
	ref2.Close()
	if !ok || o.Kind != "global" || o.JSON == "" {
		t.Fatalf("a_global() = %#v", o)
	}
	if got := getAs[string](t, c, must(c.Call(ctx, tasks, "type_name", o))(t)); got != "type" {
		t.Fatalf("type_name(OrderedDict) = %q", got)
	}
}

// Dicts keep their order through Dict and slices of pairs; a Dict encodes back to the
// same dict, its keys to the same Python kinds.
func TestConvertDict(t *testing.T) {
	d := Dict{{"b", 1}, {Tuple{1, "x"}, []any{2}}, {FrozenSet{3}, map[string]any{"in": Dict{{[]byte("k"), 4}}}},
		{[]byte("raw"), nil}, {int64(5), "five"}}
	var got any
	roundTrip(t, d, &got)
	want := Dict{{"b", int64(1)}, {Tuple{int64(1), "x"}, []any{int64(2)}},
		{FrozenSet{int64(3)}, map[string]any{"in": Dict{{[]byte("k"), int64(4)}}}},
		{[]byte("raw"), nil}, {int64(5), "five"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Dict round trip: got %#v, want %#v", got, want)
	}
	if eq, err := Equal(d, got); err != nil || !eq {
		t.Fatalf("Equal(Dict, decoded) = %v, %v", eq, err)
	}
	// Order kept into slices of pairs, also for str keys (which Get gives as a map).
	ordered := Dict{{"z", 1}, {"a", 2}, {"m", 3}}
	var pairs [][2]any
	roundTrip(t, ordered, &pairs)
	if !reflect.DeepEqual(pairs, [][2]any{{"z", int64(1)}, {"a", int64(2)}, {"m", int64(3)}}) {
		t.Fatalf("into [][2]any: %#v", pairs)
	}
	var typed [][2]string
	roundTrip(t, Dict{{"k", "v"}, {"k2", "v2"}}, &typed)
	var items []DictItem
	roundTrip(t, ordered, &items)
	var m map[string]int
	roundTrip(t, ordered, &m)
	if !reflect.DeepEqual(typed, [][2]string{{"k", "v"}, {"k2", "v2"}}) || len(items) != 3 || items[0].Key != "z" ||
		!reflect.DeepEqual(m, map[string]int{"z": 1, "a": 2, "m": 3}) {
		t.Fatalf("typed pairs %v, items %v, map %v", typed, items, m)
	}
	// []byte keys can be str keys of a Go map; tuple keys cannot, and the error says so.
	var sm map[string]int
	roundTrip(t, Dict{{[]byte("b"), 1}}, &sm)
	if sm["b"] != 1 {
		t.Fatalf("bytes key into map[string]int: %v", sm)
	}
	data := must(MarshalPickle(Dict{{Tuple{1, 2}, "a"}}))(t)
	for _, dst := range []any{new(map[string]any), new(map[any]any)} {
		err := UnmarshalPickle(data, dst)
		if !errors.Is(err, ErrConversion) || !strings.Contains(err.Error(), "dict key (1, 2) is a Python tuple") ||
			!strings.Contains(err.Error(), reflect.TypeOf(dst).Elem().String()) {
			t.Fatalf("tuple key into %T: %v", dst, err)
		}
	}
	var st struct{ A int }
	if err := UnmarshalPickle(data, &st); !errors.Is(err, ErrConversion) || !strings.Contains(err.Error(), "(1, 2) is not a str") {
		t.Fatalf("tuple key into a struct: %v", err)
	}
	var nilDict Dict
	roundTrip(t, nilDict, &got)
	if got != nil {
		t.Fatalf("nil Dict: %#v", got)
	}
}

// numpy scalars (what numpy reductions return) arrive as Go numbers and bools; uint64's
// maximum as a *big.Int, which converts into a uint64.
func TestNumpyScalars(t *testing.T) {
	ctx, c := setup(t)
	total := getAs[any](t, c, must(c.Call(ctx, tasks, "numpy_total"))(t))
	if f, ok := total.(float64); !ok || f != 66 {
		t.Fatalf("numpy_total() = %#v", total)
	}
	got := getAs[map[string]any](t, c, must(c.Call(ctx, tasks, "numpy_scalars"))(t))
	want := map[string]any{
		"sum": 66.0, "mean": 5.5, "int64": int64(-3), "int32": int64(7), "int16": int64(-300),
		"int8": int64(-8), "uint8": int64(200), "uint16": int64(60000), "uint32": int64(4000000000),
		"uint64": new(big.Int).SetUint64(math.MaxUint64), "float32": 1.5, "float16": 0.25,
		"bool": true, "int_sum": int64(10),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("numpy_scalars() = %#v", got)
	}
	type scalars struct {
		Sum    float64 `ray:"sum"`
		U64    uint64  `ray:"uint64"`
		U32    uint32  `ray:"uint32"`
		I8     int8    `ray:"int8"`
		F32    float32 `ray:"float32"`
		Bool   bool    `ray:"bool"`
		IntSum int     `ray:"int_sum"`
	}
	s := getAs[scalars](t, c, must(c.Call(ctx, tasks, "numpy_scalars"))(t))
	if s != (scalars{Sum: 66, U64: math.MaxUint64, U32: 4000000000, I8: -8, F32: 1.5, Bool: true, IntSum: 10}) {
		t.Fatalf("numpy_scalars() into a struct = %+v", s)
	}
}

// A dict with tuple, frozenset and bytes keys is received as a Dict, in order, and echoed
// back through a task it is the same dict.
func TestTupleKeyedDict(t *testing.T) {
	ctx, c := setup(t)
	ref := must(c.Call(ctx, tasks, "tuple_keyed"))(t)
	defer ref.Close()
	want := Dict{{Tuple{int64(1), int64(2)}, "a"}, {Tuple{int64(3), "x"}, "b"}, {FrozenSet{int64(4)}, "c"},
		{[]byte("k"), "d"}, {int64(5), "e"}}
	got := must(c.Get(ctx, ref))(t)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Get = %#v", got)
	}
	var asAny any
	var pairs [][2]any
	var d Dict
	for _, dst := range []any{&asAny, &pairs, &d} {
		if err := c.GetInto(ctx, ref, dst); err != nil {
			t.Fatalf("GetInto(%T): %v", dst, err)
		}
	}
	if !reflect.DeepEqual(asAny, want) || !reflect.DeepEqual(d, want) || len(pairs) != 5 ||
		!reflect.DeepEqual(pairs[2], [2]any{FrozenSet{int64(4)}, "c"}) {
		t.Fatalf("GetInto: any %#v, pairs %#v, Dict %#v", asAny, pairs, d)
	}
	var m map[string]any
	err := c.GetInto(ctx, ref, &m)
	if !errors.Is(err, ErrConversion) || err.Error() != "ray: GetInto: value: dict key (1, 2) is a Python tuple, "+
		"which cannot be a key of a Go map[string]interface {}; decode into a ray.Dict or a slice of pairs ([][2]any) instead" {
		t.Fatalf("into map[string]any: %v", err)
	}
	// Echoed: equal as Go values, and as Python values (the library's comparison).
	back := getAs[Dict](t, c, must(c.Call(ctx, tasks, "identity", got))(t))
	if !reflect.DeepEqual(back, want) {
		t.Fatalf("identity(tuple_keyed()) = %#v", back)
	}
	if eq, err := Equal(got, back); err != nil || !eq {
		t.Fatalf("Equal: %v, %v", eq, err)
	}
	if kind := getAs[string](t, c, must(c.Call(ctx, tasks, "type_name", got))(t)); kind != "dict" {
		t.Fatalf("a Dict reaches Python as a %s", kind)
	}
}

// A set echoed through a task may come back in another order: decoded into a Set it
// compares equal with Equal (Python's set equality), as the same elements.
func TestSetEquality(t *testing.T) {
	ctx, c := setup(t)
	s := Set{int64(1) << 40, "a", int64(300), int64(7), Tuple{int64(1), "t"}}
	var back Set
	ref := must(c.Call(ctx, tasks, "identity", s))(t)
	defer ref.Close()
	if err := c.GetInto(ctx, ref, &back); err != nil {
		t.Fatal(err)
	}
	if eq, err := Equal(s, back); err != nil || !eq || len(back) != len(s) {
		t.Fatalf("Equal(%v, %v) = %v, %v", s, back, eq, err)
	}
	reversed := Set{Tuple{int64(1), "t"}, int64(7), int64(300), "a", int64(1) << 40}
	fewer := Set{int64(7), "a"}
	if eq, _ := Equal(s, reversed); !eq {
		t.Fatal("sets in another order are not Equal")
	}
	if eq, _ := Equal(s, fewer); eq {
		t.Fatal("different sets are Equal")
	}
	if eq, _ := Equal(s, []any(s)); eq {
		t.Fatal("a set is Equal to a list")
	}
	if eq, _ := Equal(FrozenSet{1, 2}, FrozenSet{2, 1}); !eq {
		t.Fatal("frozensets in another order are not Equal")
	}
	// The set sent by a task itself.
	var made Set
	r2 := must(c.Call(ctx, tasks, "set_of", 3, 1, 2, 1))(t)
	defer r2.Close()
	if err := c.GetInto(ctx, r2, &made); err != nil {
		t.Fatal(err)
	}
	if eq, err := Equal(made, Set{1, 2, 3}); err != nil || !eq {
		t.Fatalf("set_of(3, 1, 2, 1) = %v", made)
	}
}
