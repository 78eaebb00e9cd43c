package ray

import (
	"reflect"
	"strings"
	"sync"
)

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
