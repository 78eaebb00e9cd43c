package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"time"
)

// PlacementStrategy says how a placement group's bundles are placed on nodes.
type PlacementStrategy int

// The placement strategies (RAY_CLIENT_PLACEMENT_*).
const (
	Pack         PlacementStrategy = 0 // on as few nodes as possible
	Spread       PlacementStrategy = 1 // over nodes where possible
	StrictPack   PlacementStrategy = 2 // all on one node
	StrictSpread PlacementStrategy = 3 // each on a different node
)

// Bundle is the resources of one bundle of a placement group, e.g. {"CPU": 1}.
type Bundle map[string]float64

// PlacementGroup is a placement group on the cluster, belonging to one Client. Schedule
// tasks and actors into it with the InPlacementGroup option.
//
// Goroutine safety: all methods may be called concurrently.
//
// Ownership: Close releases the handle but leaves the group on the cluster (Remove
// removes it). An unreachable PlacementGroup's handle is released by a cleanup after
// garbage collection.
type PlacementGroup struct {
	client *Client
	id     string
	h      handle[*C.ray_client_placement_group]
}

func freePG(p *C.ray_client_placement_group) { C.ray_client_placement_group_free(p) }

func (*PlacementGroup) what() string                                       { return "placement group" }
func (pg *PlacementGroup) cHandle() *handle[*C.ray_client_placement_group] { return &pg.h }

func (pg *PlacementGroup) use(op string, f func(p *C.ray_client_placement_group) error) error {
	return useWrapped(pg, op, f)
}

// PlacementGroupOptions are Python's other placement_group() keywords.
type PlacementGroupOptions struct {
	Name string // "" for none; the group can be found by name (GetPlacementGroup)
	// Detached: lifetime="detached", the group outlives this client's job until removed.
	Detached bool
	// SoftTargetNodeID: a node's hex id to place the group on when it can (with
	// StrictPack; Ray 2.10 and later).
	SoftTargetNodeID string
	// BundleLabelSelector: per bundle, the node labels it must be placed on (Ray 2.50
	// and later).
	BundleLabelSelector []map[string]string
}

// CreatePlacementGroup asks the cluster for a placement group of bundles placed by
// strategy; name may be "". It returns once the cluster accepted the request; Wait
// waits until the group is placed.
func (c *Client) CreatePlacementGroup(ctx context.Context, bundles []Bundle, strategy PlacementStrategy, name string) (*PlacementGroup, error) {
	return c.CreatePlacementGroupWith(ctx, bundles, strategy, PlacementGroupOptions{Name: name})
}

// CreatePlacementGroupWith is CreatePlacementGroup with options; an option the
// cluster's Ray release lacks gives ErrVersionMismatch.
func (c *Client) CreatePlacementGroupWith(ctx context.Context, bundles []Bundle, strategy PlacementStrategy, opts PlacementGroupOptions) (*PlacementGroup, error) {
	const op = "CreatePlacementGroup"
	if len(bundles) == 0 {
		return nil, errInvalid(op, "a placement group needs at least one bundle")
	}
	if strategy < Pack || strategy > StrictSpread {
		return nil, errInvalid(op, "unknown placement strategy %d", int(strategy))
	}
	js, err := json.Marshal(bundles)
	if err != nil {
		return nil, errInvalid(op, "bundles: %v", err)
	}
	cb, err := cstring(op, "bundles", string(js))
	if err != nil {
		return nil, err
	}
	o := map[string]any{}
	if opts.Name != "" {
		o["name"] = opts.Name
	}
	if opts.Detached {
		o["lifetime"] = "detached"
	}
	if opts.SoftTargetNodeID != "" {
		o["_soft_target_node_id"] = opts.SoftTargetNodeID
	}
	if opts.BundleLabelSelector != nil {
		o["bundle_label_selector"] = opts.BundleLabelSelector
	}
	oj, err := json.Marshal(o)
	if err != nil {
		return nil, errInvalid(op, "options: %v", err)
	}
	co, err := cstring(op, "options", string(oj))
	if err != nil {
		return nil, err
	}
	var out *C.ray_client_placement_group
	err = blockingCall(ctx, op, c.use, func(p *C.ray_client_client) cstatus {
		return C.ray_client_placement_group_create_with(p, cb, C.int(strategy), co, &out)
	}, func() { freePG(out) })
	if err != nil {
		return nil, err
	}
	return c.newPlacementGroup(out), nil
}

func (c *Client) newPlacementGroup(p *C.ray_client_placement_group) *PlacementGroup {
	pg := &PlacementGroup{client: c, id: goStringOrEmpty(C.ray_client_placement_group_id(p))}
	own(pg, &pg.h, p, freePG)
	return pg
}

// GetPlacementGroup is the placement group named name in this client's namespace
// (ray.util.get_placement_group); ErrInvalidArgument when there is none.
func (c *Client) GetPlacementGroup(ctx context.Context, name string) (*PlacementGroup, error) {
	const op = "GetPlacementGroup"
	cn, err := cstring(op, "name", name)
	if err != nil {
		return nil, err
	}
	var out *C.ray_client_placement_group
	err = blockingCall(ctx, op, c.use, func(p *C.ray_client_client) cstatus {
		return C.ray_client_placement_group_get(p, cn, &out)
	}, func() { freePG(out) })
	if err != nil {
		return nil, err
	}
	return c.newPlacementGroup(out), nil
}

// PlacementGroupTable is Ray's description of every placement group of the cluster
// (placement_group_table()), by group id.
func (c *Client) PlacementGroupTable(ctx context.Context) (map[string]any, error) {
	return jsonCall[map[string]any](ctx, "PlacementGroupTable", c.use, func(p *C.ray_client_client, s **C.char) cstatus {
		return C.ray_client_placement_group_table_all(p, s)
	})
}

// ID is the group's hex id ("" for a nil group).
func (pg *PlacementGroup) ID() string {
	if pg == nil {
		return ""
	}
	return pg.id
}

// pgWaitSlice is how long one C wait blocks before the context is checked again: the C
// wait cannot be interrupted, so a cancelled context is noticed within this time.
const pgWaitSlice = 250 * time.Millisecond

// Wait waits until the group is placed or ctx ends (a passed deadline gives a
// *TimeoutError).
func (pg *PlacementGroup) Wait(ctx context.Context) error {
	const op = "PlacementGroup.Wait"
	if pg == nil {
		return errNil(op, "placement group")
	}
	if ctx == nil {
		return errNil(op, "context")
	}
	for {
		if ctx.Err() != nil {
			return ctxError(op, ctx)
		}
		ms := timeoutMS(ctx, pgWaitSlice)
		var ready C.int
		err := pg.client.use(op, func(cp *C.ray_client_client) error {
			return pg.use(op, func(p *C.ray_client_placement_group) error {
				return ccall(op, func() cstatus { return C.ray_client_placement_group_wait(cp, p, C.uint64_t(ms), &ready) })
			})
		})
		if err != nil {
			return err
		}
		if ready == 1 {
			return nil
		}
	}
}

// Remove removes the group from the cluster; tasks and actors in it are killed.
func (pg *PlacementGroup) Remove(ctx context.Context) error {
	const op = "PlacementGroup.Remove"
	if pg == nil {
		return errNil(op, "placement group")
	}
	return pg.client.use(op, func(cp *C.ray_client_client) error {
		return blockingCall(ctx, op, pg.use, func(p *C.ray_client_placement_group) cstatus {
			return C.ray_client_placement_group_remove(cp, p)
		}, nil)
	})
}

// Table is Ray's description of the group (placement_group_table(pg): state, bundles,
// strategy, ...).
func (pg *PlacementGroup) Table(ctx context.Context) (map[string]any, error) {
	const op = "PlacementGroup.Table"
	if pg == nil {
		return nil, errNil(op, "placement group")
	}
	var m map[string]any
	// Lock order everywhere: the client, then the object.
	err := pg.client.use(op, func(cp *C.ray_client_client) error {
		var err error
		m, err = jsonCall[map[string]any](ctx, op, pg.use, func(p *C.ray_client_placement_group, s **C.char) cstatus {
			return C.ray_client_placement_group_table(cp, p, s)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Close releases the handle; the group stays on the cluster. Idempotent.
func (pg *PlacementGroup) Close() error { return closeWrapped(pg) }
