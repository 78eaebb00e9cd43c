package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"unsafe"
)

// StateFilter is one filter of a state list: Key, Predicate ("=" or "!=") and Value, as
// Python's ("state", "=", "ALIVE").
type StateFilter struct{ Key, Predicate, Value string }

// ListOptions says how to list the cluster's state (Python's ListApiOptions).
type ListOptions struct {
	// Limit is the most records to return (0: Python's default, 100).
	Limit uint32
	// Detail asks for the fields Python shows only in detail.
	Detail  bool
	Filters []StateFilter
}

// StateList is one page of records, as the dashboard sent them.
type StateList struct {
	Records []map[string]any `json:"records"`
	// Total is how many records matched before the limit cut the list.
	Total                 uint64   `json:"total"`
	PartialFailureWarning string   `json:"partial_failure_warning"`
	Warnings              []string `json:"warnings"`
}

// ActorState is an actor as Python's ray.util.state lists it.
type ActorState struct {
	ActorID          string             `json:"actor_id"`
	ClassName        string             `json:"class_name"`
	State            string             `json:"state"`
	JobID            string             `json:"job_id"`
	Name             string             `json:"name"`
	NodeID           string             `json:"node_id"`
	PID              int64              `json:"pid"`
	RayNamespace     string             `json:"ray_namespace"`
	IsDetached       bool               `json:"is_detached"`
	RequiredResource map[string]float64 `json:"required_resources"`
}

// TaskState is a task attempt as Python's ray.util.state lists it.
type TaskState struct {
	TaskID          string `json:"task_id"`
	AttemptNumber   int64  `json:"attempt_number"`
	Name            string `json:"name"`
	State           string `json:"state"`
	JobID           string `json:"job_id"`
	ActorID         string `json:"actor_id"`
	Type            string `json:"type"`
	FuncOrClassName string `json:"func_or_class_name"`
	NodeID          string `json:"node_id"`
	WorkerID        string `json:"worker_id"`
	ErrorType       string `json:"error_type"`
	ErrorMessage    string `json:"error_message"`
	ParentTaskID    string `json:"parent_task_id"`
}

// NodeState is a node as Python's ray.util.state lists it.
type NodeState struct {
	NodeID         string             `json:"node_id"`
	NodeIP         string             `json:"node_ip"`
	IsHeadNode     bool               `json:"is_head_node"`
	State          string             `json:"state"`
	NodeName       string             `json:"node_name"`
	ResourcesTotal map[string]float64 `json:"resources_total"`
}

// ListState lists resource ("actors", "tasks", "nodes", "objects", "placement_groups",
// "jobs", "workers") as Python's ray.util.state does; ctx's deadline bounds the wait.
func (d *Dashboard) ListState(ctx context.Context, resource string, opts ListOptions) (*StateList, error) {
	const op = "ListState"
	cres, err := cstring(op, "resource", resource)
	if err != nil {
		return nil, err
	}
	strs := make([]string, 0, 3*len(opts.Filters))
	for _, f := range opts.Filters {
		strs = append(strs, f.Key, f.Predicate, f.Value)
	}
	detail := C.int(0)
	if opts.Detail {
		detail = 1
	}
	timeout := C.uint64_t(0)
	if ms := timeoutMS(ctx, -1); ms > 0 {
		timeout = C.uint64_t(ms)
	}
	list, err := jsonCall[StateList](ctx, op, d.use, func(p *C.ray_client_dashboard, out **C.char) cstatus {
		// C memory: an array of Go pointers may not cross, and a call that ctx abandons
		// reads on; it is freed here, after the call, on the goroutine that made it.
		filters, free := cStringArray(strs)
		defer free()
		return C.ray_client_state_list(p, cres, filters, C.size_t(len(opts.Filters)), C.uint32_t(opts.Limit), detail, timeout, out)
	})
	if err != nil {
		return nil, err
	}
	return &list, nil
}

// cStringArray copies strs into C memory; free releases it (NULL for none).
func cStringArray(strs []string) (**C.char, func()) {
	if len(strs) == 0 {
		return nil, func() {}
	}
	size := C.size_t(len(strs)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))
	arr := (*[1 << 28]*C.char)(C.malloc(size))[:len(strs):len(strs)]
	for i, s := range strs {
		arr[i] = C.CString(s)
	}
	return &arr[0], func() {
		for _, s := range arr {
			C.free(unsafe.Pointer(s))
		}
		C.free(unsafe.Pointer(&arr[0]))
	}
}

// listTyped is ListState decoded into records of type T.
func listTyped[T any](ctx context.Context, d *Dashboard, op, resource string, opts ListOptions) ([]T, error) {
	list, err := d.ListState(ctx, resource, opts)
	if err != nil {
		return nil, err
	}
	text, err := json.Marshal(list.Records)
	if err != nil {
		return nil, newError(ErrorInfo{Op: op, Code: CodeProtocol, Message: err.Error()})
	}
	var out []T
	if err := json.Unmarshal(text, &out); err != nil {
		return nil, newError(ErrorInfo{Op: op, Code: CodeProtocol, Message: "bad JSON from the library: " + err.Error()})
	}
	return out, nil
}

// ListActors lists the cluster's actors (Python's list_actors).
func (d *Dashboard) ListActors(ctx context.Context, opts ListOptions) ([]ActorState, error) {
	return listTyped[ActorState](ctx, d, "ListActors", "actors", opts)
}

// ListTasks lists task attempts (Python's list_tasks).
func (d *Dashboard) ListTasks(ctx context.Context, opts ListOptions) ([]TaskState, error) {
	return listTyped[TaskState](ctx, d, "ListTasks", "tasks", opts)
}

// ListNodes lists the cluster's nodes (Python's list_nodes).
func (d *Dashboard) ListNodes(ctx context.Context, opts ListOptions) ([]NodeState, error) {
	return listTyped[NodeState](ctx, d, "ListNodes", "nodes", opts)
}

// SummarizeTasks is the summary of tasks by function name (Python's summarize_tasks),
// per node id ("cluster" for all).
func (d *Dashboard) SummarizeTasks(ctx context.Context) (map[string]any, error) {
	timeout := C.uint64_t(0)
	if ms := timeoutMS(ctx, -1); ms > 0 {
		timeout = C.uint64_t(ms)
	}
	return jsonCall[map[string]any](ctx, "SummarizeTasks", d.use, func(p *C.ray_client_dashboard, out **C.char) cstatus {
		return C.ray_client_state_summarize_tasks(p, timeout, out)
	})
}
