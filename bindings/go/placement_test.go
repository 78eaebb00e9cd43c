package ray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestPlacementGroups(t *testing.T) {
	ctx, c := setup(t)
	name := fmt.Sprintf("go-pg-%d", os.Getpid())
	pg := must(c.CreatePlacementGroup(ctx, []Bundle{{"CPU": 1}}, Pack, name))(t)
	defer pg.Close()
	if len(pg.ID()) == 0 {
		t.Fatal("no id")
	}
	if err := pg.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	table := must(pg.Table(ctx))(t)
	if table["state"] != "CREATED" || table["name"] != name {
		t.Fatalf("Table = %v", table)
	}
	// A task and an actor inside the group.
	in := c.Function(tasks, "square").Options(InPlacementGroup(pg, 0, false), NumCPUs(0.5))
	if n := getAs[int](t, c, must(in.Remote(ctx, 6))(t)); n != 36 {
		t.Fatalf("square in group = %d", n)
	}
	a := must(c.ActorClass(tasks, "Counter").Options(InPlacementGroup(pg, -1, true), NumCPUs(0.5)).Remote(ctx, 2))(t)
	defer a.Close()
	if n := getAs[int](t, c, must(a.Call(ctx, "get"))(t)); n != 2 {
		t.Fatalf("actor in group = %d", n)
	}
	if err := pg.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	table = must(pg.Table(ctx))(t)
	if table["state"] != "REMOVED" {
		t.Fatalf("state after Remove: %v", table["state"])
	}
	if err := pg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pg.Wait(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait on a closed group: %v", err)
	}
	if _, err := c.Function(tasks, "square").Options(InPlacementGroup(pg, 0, false)).Remote(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("scheduling into a closed group: %v", err)
	}

	// A group that cannot be placed: waiting ends with the context's deadline.
	huge := must(c.CreatePlacementGroup(ctx, []Bundle{{"CPU": 10000}}, StrictPack, ""))(t)
	defer huge.Close()
	dctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	err := huge.Wait(dctx)
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait for an infeasible group: %v", err)
	}
	if err := huge.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []PlacementStrategy{Spread, StrictSpread} {
		g := must(c.CreatePlacementGroup(ctx, []Bundle{{"CPU": 0.1}}, s, ""))(t)
		if err := g.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if err := g.Remove(ctx); err != nil {
			t.Fatal(err)
		}
		g.Close()
	}
	// Bad input.
	if _, err := c.CreatePlacementGroup(ctx, nil, Pack, ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("no bundles: %v", err)
	}
	if _, err := c.CreatePlacementGroup(ctx, []Bundle{{"CPU": 1}}, PlacementStrategy(9), ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad strategy: %v", err)
	}
}
