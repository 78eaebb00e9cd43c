package ray

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// The tests run against a real Ray cluster at RAY_TEST_ADDRESS (tests/harness/ray-cluster
// start DIR writes it to DIR/env); without it they fail. tests/python travels as the
// job's working_dir so the cluster can import rc_test_tasks.

var (
	testAddress string
	testModules string

	sharedOnce   sync.Once
	sharedClient *Client
	sharedErr    error
)

func TestMain(m *testing.M) {
	testAddress = os.Getenv("RAY_TEST_ADDRESS")
	if testAddress == "" {
		fmt.Fprintln(os.Stderr, "RAY_TEST_ADDRESS is not set: start a cluster with tests/harness/ray-cluster start DIR and source DIR/env (or run tests/run-go)")
		os.Exit(1)
	}
	testModules = os.Getenv("RC_TEST_MODULES")
	if testModules == "" {
		testModules = "../../tests/python"
	}
	abs, err := filepath.Abs(testModules)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testModules = abs
	code := m.Run()
	if sharedClient != nil {
		if err := sharedClient.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared client:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// testEnv is the runtime env shipping tests/python.
func testEnv(extra map[string]string) map[string]any {
	env := map[string]any{"working_dir": testModules, "excludes": []string{"__pycache__"}}
	if extra != nil {
		env["env_vars"] = extra
	}
	return env
}

// connectTest makes a new client for a test that needs one of its own; it is closed
// when the test ends.
func connectTest(t testing.TB, opts ...ConnectOption) *Client {
	t.Helper()
	opts = append([]ConnectOption{WithRuntimeEnv(testEnv(map[string]string{"RC_GO": "yes"}))}, opts...)
	c, err := Connect(context.Background(), testAddress, opts...)
	if err != nil {
		t.Fatalf("Connect(%s): %v", testAddress, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// shared is one client for the tests that need nothing special (each connection
// starts a server process on the cluster, which is slow on a small machine).
func shared(t testing.TB) *Client {
	t.Helper()
	sharedOnce.Do(func() {
		sharedClient, sharedErr = Connect(context.Background(), testAddress,
			WithNamespace("go-tests"),
			WithRuntimeEnv(testEnv(map[string]string{"RC_GO": "yes"})),
			WithLogsOff())
	})
	if sharedErr != nil {
		t.Fatalf("Connect(%s): %v", testAddress, sharedErr)
	}
	return sharedClient
}

// setup is how most tests start: a context that never ends and the shared client.
func setup(t testing.TB) (context.Context, *Client) {
	t.Helper()
	return context.Background(), shared(t)
}

// parallel runs f(0), ..., f(n-1) on n goroutines at once and waits for them all; each
// error f returns fails t (t.Error, so that every goroutine's is seen). It reports
// whether none failed.
func parallel(t testing.TB, n int, f func(i int) error) bool {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	ok := true
	for err := range errs {
		t.Error(err)
		ok = false
	}
	return ok
}

// must returns v, failing the test given to the returned function on err:
// must(c.Put(ctx, 1))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// getAs gets ref's value as a T, failing the test on error, and closes the ref.
func getAs[T any](t testing.TB, c *Client, ref *ObjectRef) T {
	t.Helper()
	defer ref.Close()
	v, err := GetAs[T](context.Background(), c, ref)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return v
}

const tasks = "rc_test_tasks"

// closeRefs closes every ref of a call's results.
func closeRefs(refs []*ObjectRef) {
	for _, r := range refs {
		_ = r.Close()
	}
}
