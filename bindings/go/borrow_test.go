package ray

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// waitReleased waits for b's memory to be given back.
func waitReleased(t *testing.T, b *Borrowed) {
	t.Helper()
	select {
	case <-b.Released():
	case <-time.After(60 * time.Second):
		t.Fatal("the library did not release the borrowed memory")
	}
}

// waitLoans waits until the library has given back n loans since before.
func waitLoans(t *testing.T, before, n int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for loansReturned.Load()-before < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d loans given back, want %d", loansReturned.Load()-before, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := loansReturned.Load() - before; got != n {
		t.Fatalf("%d loans given back, want %d", got, n)
	}
}

// A 64 MiB []byte put from its own memory (no copy) and read back; the memory is given
// back once, only after the Borrowed is closed.
func TestBorrowedPut(t *testing.T) {
	ctx, c := setup(t)
	data := make([]byte, 64<<20)
	for i := range data {
		data[i] = byte(i*31 + i>>20)
	}
	before := loansReturned.Load()
	b := must(Borrow(data))(t)
	ref := must(c.Put(ctx, b))(t)
	defer ref.Close()
	ref2 := must(c.Put(ctx, b))(t) // as often as needed: the same memory
	defer ref2.Close()
	select {
	case <-b.Released():
		t.Fatal("released while the Borrowed is open")
	default:
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitReleased(t, b)
	waitLoans(t, before, 1)
	for _, r := range []*ObjectRef{ref, ref2} {
		got := must(GetAs[[]byte](ctx, c, r))(t)
		if !bytes.Equal(got, data) {
			t.Fatal("the value read back differs")
		}
	}
	if err := b.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, b); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put of a closed Borrowed: %v", err)
	}
}

// A numeric slice and an NDArray lent as numpy arrays, as call arguments; refused input.
func TestBorrowedArrays(t *testing.T) {
	ctx, c := setup(t)
	before := loansReturned.Load()
	xs := make([]float64, 1<<20)
	for i := range xs {
		xs[i] = float64(i % 7)
	}
	b := must(Borrow(xs))(t)
	m := must(Borrow(NDArray{DType: DTypeInt32, Shape: []int{2, 3}, Data: []int32{1, 2, 3, 4, 5, 6}}))(t)
	type desc struct {
		Dtype string
		Shape []int
		Sum   float64
	}
	d := getAs[desc](t, c, must(c.Call(ctx, tasks, "describe_array", b))(t))
	var want float64
	for _, x := range xs {
		want += x
	}
	if d.Dtype != "float64" || !reflect.DeepEqual(d.Shape, []int{len(xs)}) || d.Sum != want {
		t.Fatalf("describe_array(borrowed []float64) = %+v", d)
	}
	d = getAs[desc](t, c, must(c.Call(ctx, tasks, "describe_array", m))(t))
	if d.Dtype != "int32" || !reflect.DeepEqual(d.Shape, []int{2, 3}) || d.Sum != 21 {
		t.Fatalf("describe_array(borrowed NDArray) = %+v", d)
	}
	_ = b.Close()
	_ = m.Close()
	waitReleased(t, b)
	waitReleased(t, m)
	waitLoans(t, before, 2)

	for _, bad := range []any{"text", []string{"a"}, nil, 3} {
		if _, err := Borrow(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Borrow(%#v): %v", bad, err)
		}
	}
	empty := must(Borrow([]byte{}))(t)
	waitReleased(t, empty) // nothing was lent
	_ = empty.Close()
}

// Put lends large []byte payloads by itself when its context cannot end early (it then
// returns only after the library gave the memory back), and copies them under a
// context that can.
func TestPutLendsLargePayloads(t *testing.T) {
	c := shared(t)
	data := bytes.Repeat([]byte{7}, lendMin)
	before := loansReturned.Load()
	ref := must(c.Put(context.Background(), data))(t)
	if n := loansReturned.Load() - before; n != 1 {
		t.Fatalf("Put returned with %d of its 1 loan given back", n)
	}
	data[0] = 8 // the caller's again: the object keeps what was put
	if got := must(GetAs[[]byte](context.Background(), c, ref))(t); got[0] != 7 || len(got) != lendMin {
		t.Fatal("the put object changed with the caller's slice")
	}
	ref.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before = loansReturned.Load()
	ref = must(c.Put(ctx, data))(t)
	defer ref.Close()
	if got := must(GetAs[[]byte](ctx, c, ref))(t); !bytes.Equal(got, data) {
		t.Fatal("copied put differs")
	}
	if n := loansReturned.Load() - before; n != 0 {
		t.Fatalf("a Put under a cancellable context lent %d payloads", n)
	}
}
