// Command quickstart is the Go binding of libray_client in one page: it connects,
// calls the stdlib function statistics.mean on the cluster, puts and gets a struct,
// runs functions (one with two results) and an actor defined from Python source, and
// shows a typed error.
//
//	go run ./examples/quickstart [ray://host:port]
//
// The address defaults to $RAY_TEST_ADDRESS, then $RAY_ADDRESS.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	ray "github.com/ray-client/ray-client/bindings/go"
)

const greeterSource = `class Greeter:
    def __init__(self, greeting):
        self.greeting = greeting
        self.count = 0
    def greet(self, name):
        self.count += 1
        return '%s, %s! (#%d)' % (self.greeting, name, self.count)
`

const statsSource = `def stats(xs):
    import numpy as np
    return {"n": len(xs), "mean": float(np.mean(xs)), "max": float(np.max(xs))}
`

const divideSource = `def divide(a, b):
    return a // b, a % b
`

const sqrtSource = `def checked_sqrt(x):
    import math
    return math.sqrt(x)
`

// Point is stored as the dict {"x": ..., "y": ...} (see the struct rule in the
// package documentation).
type Point struct {
	X float64 `ray:"x"`
	Y float64 `ray:"y"`
}

func main() {
	address := os.Getenv("RAY_TEST_ADDRESS")
	if len(os.Args) > 1 {
		address = os.Args[1]
	}
	if address == "" {
		address = os.Getenv("RAY_ADDRESS")
	}
	if address == "" {
		fmt.Fprintln(os.Stderr, "usage: quickstart ray://host:port (or set RAY_TEST_ADDRESS / RAY_ADDRESS)")
		os.Exit(2)
	}
	if err := run(address); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(address string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fmt.Println("libray_client", ray.Version())
	c, err := ray.Connect(ctx, address, ray.WithLogWriter(os.Stdout))
	if err != nil {
		return err
	}
	defer c.Close()
	si, err := c.ServerInfo()
	if err != nil {
		return err
	}
	fmt.Println("connected to Ray", si.RayVersion)

	// statistics.mean([1, 2, 3, 4]) on the cluster.
	ref, err := c.Call(ctx, "statistics", "mean", []any{1, 2, 3, 4})
	if err != nil {
		return err
	}
	mean, err := ray.GetAs[float64](ctx, c, ref)
	ref.Close()
	if err != nil {
		return err
	}
	fmt.Println("statistics.mean([1, 2, 3, 4]) =", mean)

	// divide returns two values: num_returns=2 (RemoteN) gives a ref for each.
	divide := c.FunctionFromSource(divideSource, "divide")
	defer divide.Close()
	qr, err := divide.RemoteN(ctx, 2, 17, 5)
	if err != nil {
		return err
	}
	quotient, err := c.GetMany(ctx, qr)
	for _, r := range qr {
		r.Close()
	}
	if err != nil {
		return err
	}
	fmt.Println("divide(17, 5) =", quotient[0], quotient[1])

	// A struct through the object store.
	pref, err := c.Put(ctx, Point{X: 1.5, Y: -2})
	if err != nil {
		return err
	}
	var p Point
	if err := c.GetInto(ctx, pref, &p); err != nil {
		return err
	}
	pref.Close()
	fmt.Printf("put/get: %+v\n", p)

	// A []float64 arrives as a numpy array. A function (and an actor class) is a handle,
	// made on its first call: Close releases it.
	statsFn := c.FunctionFromSource(statsSource, "stats")
	defer statsFn.Close()
	sref, err := statsFn.Remote(ctx, []float64{3, 1, 4, 1, 5})
	if err != nil {
		return err
	}
	stats, err := c.Get(ctx, sref)
	sref.Close()
	if err != nil {
		return err
	}
	fmt.Println("stats(numpy array) =", stats)

	// An actor from source.
	greeterClass := c.ActorClassFromSource(greeterSource, "Greeter")
	defer greeterClass.Close()
	greeter, err := greeterClass.Remote(ctx, "Hello")
	if err != nil {
		return err
	}
	defer greeter.Close()
	for _, name := range []string{"Go", "Ray"} {
		r, err := greeter.Call(ctx, "greet", name)
		if err != nil {
			return err
		}
		msg, err := ray.GetAs[string](ctx, c, r)
		r.Close()
		if err != nil {
			return err
		}
		fmt.Println(msg)
	}

	// A remote exception is a *ray.TaskError.
	sqrt := c.FunctionFromSource(sqrtSource, "checked_sqrt")
	defer sqrt.Close()
	bad, err := sqrt.Remote(ctx, -1)
	if err != nil {
		return err
	}
	defer bad.Close()
	_, err = c.Get(ctx, bad)
	var te *ray.TaskError
	if !errors.As(err, &te) {
		return fmt.Errorf("checked_sqrt(-1) gave %v, want a task error", err)
	}
	fmt.Printf("checked_sqrt(-1) raised %s (%s)\n", te.CauseType, te.RemoteType)
	return nil
}
