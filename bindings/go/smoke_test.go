package ray

import (
	"context"
	"testing"
)

func TestSmokeSquare(t *testing.T) {
	c := shared(t)
	ref := must(c.Call(context.Background(), tasks, "square", 7))(t)
	if got := getAs[int](t, c, ref); got != 49 {
		t.Fatalf("square(7) = %d", got)
	}
}
