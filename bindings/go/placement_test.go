package ray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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

func TestPlacementGroupOptions(t *testing.T) {
	ctx, c := setup(t)
	name := fmt.Sprintf("go-pg-detached-%d", os.Getpid())
	pg := must(c.CreatePlacementGroupWith(ctx, []Bundle{{"CPU": 0.5}}, Pack, PlacementGroupOptions{Name: name, Detached: true}))(t)
	defer pg.Close()
	if err := pg.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	found := must(c.GetPlacementGroup(ctx, name))(t)
	defer found.Close()
	if found.ID() != pg.ID() {
		t.Fatalf("GetPlacementGroup: %s, created %s", found.ID(), pg.ID())
	}
	all := must(c.PlacementGroupTable(ctx))(t)
	if mine, ok := all[pg.ID()].(map[string]any); !ok || mine["name"] != name {
		t.Fatalf("the table of all groups has no %s: %v", pg.ID(), all[pg.ID()])
	}
	if err := pg.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPlacementGroup(ctx, "go-pg-no-such-group"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("an unknown name: %v", err)
	}
	// A soft target node: the second node of the test cluster.
	node2 := os.Getenv("RAY_TEST_NODE_rc_node2")
	if node2 == "" {
		t.Fatal("RAY_TEST_NODE_rc_node2 is not set (tests/harness/ray-cluster add-node DIR rc_node2)")
	}
	soft := must(c.CreatePlacementGroupWith(ctx, []Bundle{{"CPU": 0.5}}, StrictPack, PlacementGroupOptions{SoftTargetNodeID: node2}))(t)
	defer soft.Close()
	if err := soft.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// bundles_to_node_id has int keys: {"$dict": [[0, node]]} in JSON.
	table := must(soft.Table(ctx))(t)
	if placed := fmt.Sprint(table["bundles_to_node_id"]); !strings.Contains(placed, node2) {
		t.Fatalf("soft target %s, placed %v", node2, placed)
	}
	if err := soft.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePlacementGroupWith(ctx, []Bundle{{"CPU": 0.5}}, Pack, PlacementGroupOptions{SoftTargetNodeID: node2}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a soft target without STRICT_PACK: %v", err)
	}
	// Bundle label selectors and the label_selector option (Ray's node-id label).
	byLabel := must(c.CreatePlacementGroupWith(ctx, []Bundle{{"CPU": 0.5}}, Pack,
		PlacementGroupOptions{BundleLabelSelector: []map[string]string{{"ray.io/node-id": node2}}}))(t)
	defer byLabel.Close()
	if err := byLabel.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	table = must(byLabel.Table(ctx))(t)
	if placed := fmt.Sprint(table["bundles_to_node_id"]); !strings.Contains(placed, node2) {
		t.Fatalf("bundle label selector %s, placed %v", node2, placed)
	}
	if err := byLabel.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	onNode2 := c.Function(tasks, "node_id").Options(OptionValue("label_selector", map[string]string{"ray.io/node-id": node2}))
	if got := getAs[string](t, c, must(onNode2.Remote(ctx))(t)); got != node2 {
		t.Fatalf("label_selector ran on %s, not %s", got, node2)
	}
}
