package ray

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"testing"
)

func TestKV(t *testing.T) {
	ctx, c := setup(t)
	kv := c.KV("go-kv-test")
	prefix := fmt.Sprintf("go-%d-", os.Getpid())
	if _, err := kv.DeletePrefix(ctx, prefix); err != nil {
		t.Fatal(err)
	}
	key := prefix + "a"
	if _, found, err := kv.Get(ctx, key); err != nil || found {
		t.Fatalf("Get of a missing key: %v %v", found, err)
	}
	if existed := must(kv.Put(ctx, key, []byte("one"), true))(t); existed {
		t.Fatal("existed before the first Put")
	}
	if existed := must(kv.Put(ctx, key, []byte("two"), false))(t); !existed {
		t.Fatal("second Put: not existing")
	}
	v, found, err := kv.Get(ctx, key)
	if err != nil || !found || string(v) != "one" {
		t.Fatalf("Put without overwrite replaced the value: %q %v %v", v, found, err)
	}
	must(kv.Put(ctx, key, []byte("three"), true))(t)
	if v, _, _ := kv.Get(ctx, key); string(v) != "three" {
		t.Fatalf("overwrite: %q", v)
	}
	// Binary keys and values, an empty value.
	bin := prefix + "\x00\xff"
	must(kv.Put(ctx, bin, []byte{0, 1, 2}, true))(t)
	must(kv.Put(ctx, prefix+"empty", nil, true))(t)
	if v, found, _ := kv.Get(ctx, bin); !found || !reflect.DeepEqual(v, []byte{0, 1, 2}) {
		t.Fatalf("binary: %v", v)
	}
	if v, found, _ := kv.Get(ctx, prefix+"empty"); !found || len(v) != 0 {
		t.Fatalf("empty value: %v %v", v, found)
	}
	if ok := must(kv.Exists(ctx, bin))(t); !ok {
		t.Fatal("Exists")
	}
	keys := must(kv.Keys(ctx, prefix))(t)
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, []string{bin, key, prefix + "empty"}) {
		t.Fatalf("Keys = %q", keys)
	}
	// Namespaces are separate.
	if _, found, _ := c.KV("").Get(ctx, key); found {
		t.Fatal("key visible without namespace")
	}
	if _, found, _ := c.KV("go-kv-other").Get(ctx, key); found {
		t.Fatal("key visible in another namespace")
	}
	if n := must(kv.Delete(ctx, key))(t); n != 1 {
		t.Fatalf("Delete = %d", n)
	}
	if ok := must(kv.Exists(ctx, key))(t); ok {
		t.Fatal("exists after Delete")
	}
	if n := must(kv.DeletePrefix(ctx, prefix))(t); n != 2 {
		t.Fatalf("DeletePrefix = %d", n)
	}
	if keys := must(kv.Keys(ctx, prefix))(t); len(keys) != 0 {
		t.Fatalf("Keys after DeletePrefix = %q", keys)
	}
	if _, _, err := c.KV("bad\x00ns").Get(ctx, key); !errors.Is(err, ErrInvalidArgument) {
		t.Fatal("NUL in namespace accepted")
	}
}
