package ray

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	if Version() != HeaderVersion {
		t.Fatalf("library %s, header %s", Version(), HeaderVersion)
	}
}

func TestClientInfoAndCluster(t *testing.T) {
	ctx, c := setup(t)
	info := must(c.Info())(t)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(info.ID) || info.Namespace != "go-tests" ||
		!strings.Contains(info.Address, strings.TrimPrefix(testAddress, "ray://")) {
		t.Fatalf("Info = %+v", info)
	}
	si := must(c.ServerInfo())(t)
	if !strings.HasPrefix(si.RayVersion, "2.") || !strings.HasPrefix(si.PythonVersion, "3") || si.NumClients < 1 {
		t.Fatalf("ServerInfo = %+v", si)
	}
	if !c.IsConnected() {
		t.Fatal("not connected")
	}
	res := must(c.ClusterResources(ctx))(t)
	if res["CPU"] < 1 {
		t.Fatalf("ClusterResources = %v", res)
	}
	avail := must(c.AvailableResources(ctx))(t)
	if avail["CPU"] > res["CPU"] {
		t.Fatalf("AvailableResources %v exceed %v", avail, res)
	}
	nodes := must(c.Nodes(ctx))(t)
	alive := 0
	for _, n := range nodes {
		if n.Alive {
			alive++
			if len(n.NodeID) != 56 || n.Resources["CPU"] <= 0 || n.Raw["NodeID"] != n.NodeID {
				t.Fatalf("node %+v", n)
			}
		}
	}
	if alive == 0 {
		t.Fatalf("no alive node in %+v", nodes)
	}
	rc := must(c.RuntimeContext(ctx))(t)
	// The test cluster's release sends the worker id (the driver of this client's server).
	if rc.JobID == "" || rc.Namespace != "go-tests" || !strings.Contains(rc.RuntimeEnv, "RC_GO") || len(rc.WorkerID) != 56 {
		t.Fatalf("RuntimeContext = %+v", rc)
	}
	// Timeline: a task that ran shows once the cluster reported it (polled, no time limit).
	marker := fmt.Sprintf("go_timeline_marker_%d", os.Getpid())
	mr := must(c.FunctionFromSource("def "+marker+"():\n    return 1\n", marker).Remote(ctx))(t)
	must(c.Get(ctx, mr))(t)
	for seen := false; !seen; time.Sleep(500 * time.Millisecond) {
		for _, e := range must(c.Timeline(ctx))(t) {
			if name, _ := e["name"].(string); strings.Contains(name, marker) {
				seen = true
			}
		}
	}
	// A ref's task id is what the task itself reads, and the start of the object id.
	r, err := c.Function(tasks, "my_task_id").Remote(ctx)
	if err != nil {
		t.Fatal(err)
	}
	taskID := must(r.TaskID(ctx))(t)
	if got := must(c.Get(ctx, r))(t); got != taskID || len(taskID) != 48 || !strings.HasPrefix(must(r.ID(ctx))(t), taskID) {
		t.Fatalf("task id %q, the task read %v", taskID, got)
	}
	if _, err := c.DashboardURL(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if ok := must(c.ServerInitialized(ctx))(t); !ok {
		t.Fatal("server not initialized")
	}
}

func TestConnectErrors(t *testing.T) {
	ctx := context.Background()
	// Nothing listens on port 1.
	_, err := Connect(ctx, "ray://127.0.0.1:1", WithConnectTimeout(time.Second))
	if !errors.Is(err, ErrConnectionFailed) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("unreachable address: %v", err)
	}
	var info interface{ info() *ErrorInfo }
	if !errors.As(err, &info) || info.info().Op != "Connect" {
		t.Fatalf("error without details: %#v", err)
	}
	// A context that ends: cancelled before, or a deadline while trying.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Connect(cctx, testAddress); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	dctx, cancel2 := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel2()
	_, err = Connect(dctx, "ray://127.0.0.1:1")
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrConnectionFailed) {
		t.Fatalf("deadline: %v", err)
	}
	// Bad input is an error, not a crash.
	if _, err := Connect(ctx, "ray://bad\x00addr"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NUL in address: %v", err)
	}
	if _, err := Connect(ctx, "ray://[::1", WithConnectTimeout(time.Second)); err == nil {
		t.Fatal("malformed address connected")
	}
	if _, err := Connect(ctx, testAddress, WithLogWriter(nil)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil log writer: %v", err)
	}
	if _, err := Connect(ctx, testAddress, WithLogFunc(nil)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil log func: %v", err)
	}
	if _, err := Connect(ctx, testAddress, WithReconnectGracePeriod(-time.Second)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("negative grace period: %v", err)
	}
	if _, err := Connect(ctx, testAddress, WithConnectTimeout(-time.Second)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("negative timeout: %v", err)
	}
	// Security options: refused input, and TLS towards a server that speaks none.
	// (Working TLS and tokens: security_test.go, against the clusters tests/run-go starts.)
	if _, err := Connect(ctx, testAddress, WithAuthToken("")); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("empty auth token: %v", err)
	}
	if _, err := Connect(ctx, testAddress, WithTLSServerName("bad\x00name")); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NUL in server name: %v", err)
	}
	if _, err := Connect(ctx, testAddress, WithTLS(true), WithConnectTimeout(3*time.Second), WithLogsOff()); err == nil {
		t.Fatal("TLS connected to a plain server")
	}
	if _, err := Connect(ctx, testAddress, WithTLS(true), WithTLSCACert("/nonexistent/ca.pem"),
		WithTLSClientCert("/nonexistent/c.pem", "/nonexistent/k.pem"), WithConnectTimeout(3*time.Second)); err == nil {
		t.Fatal("TLS with missing certificate files connected")
	}
	if _, err := Connect(ctx, testAddress, WithRuntimeEnv(make(chan int))); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unencodable runtime env: %v", err)
	}
	if _, err := Connect(nil, testAddress); !errors.Is(err, ErrNilHandle) {
		t.Fatalf("nil context: %v", err)
	}
}

// Every method of a nil handle returns ErrNilHandle instead of panicking.
func TestNilHandles(t *testing.T) {
	ctx := context.Background()
	var c *Client
	var r *ObjectRef
	var a *ActorHandle
	var pg *PlacementGroup
	checks := map[string]error{}
	checks["Close"] = c.Close()
	checks["Disconnect"] = c.Disconnect()
	_, checks["Info"] = c.Info()
	_, checks["ServerInfo"] = c.ServerInfo()
	_, checks["Put"] = c.Put(ctx, 1)
	_, checks["Get"] = c.Get(ctx, r)
	_, checks["GetMany"] = c.GetMany(ctx, nil)
	_, _, checks["Wait"] = c.Wait(ctx, nil, 0, 0)
	checks["Cancel"] = c.Cancel(ctx, r, false, false)
	_, checks["Call"] = c.Call(ctx, tasks, "nop")
	_, checks["ActorClass"] = c.ActorClass(tasks, "Counter").Remote(ctx)
	_, checks["GetActor"] = c.GetActor(ctx, "x", "")
	_, checks["ListNamedActors"] = c.ListNamedActors(ctx, true)
	_, _, checks["KV.Get"] = c.KV("").Get(ctx, "k")
	_, checks["ClusterResources"] = c.ClusterResources(ctx)
	_, checks["CreatePlacementGroup"] = c.CreatePlacementGroup(ctx, []Bundle{{"CPU": 1}}, Pack, "")
	checks["Ping"] = c.Ping(ctx)
	checks["ref.Close"] = r.Close()
	_, checks["ref.ID"] = r.ID(ctx)
	_, checks["ref.Clone"] = r.Clone()
	checks["actor.Close"] = a.Close()
	_, checks["actor.Call"] = a.Call(ctx, "get")
	checks["actor.Kill"] = a.Kill(ctx, true)
	_, checks["actor.ID"] = a.ID(ctx)
	checks["pg.Wait"] = pg.Wait(ctx)
	checks["pg.Remove"] = pg.Remove(ctx)
	checks["pg.Close"] = pg.Close()
	_, checks["pg.Table"] = pg.Table(ctx)
	var f *RemoteFunction
	_, checks["fn.Remote"] = f.Remote(ctx)
	_, checks["fn.RemoteN"] = f.RemoteN(ctx, 2)
	checks["fn.Close"] = f.Close()
	var k *ActorClass
	_, checks["class.Remote"] = k.Remote(ctx)
	checks["class.Close"] = k.Close()
	var m *ActorMethod
	_, checks["method.Remote"] = m.Remote(ctx)
	_, checks["method.RemoteN"] = a.Method("pair").RemoteN(ctx, 2)
	for name, err := range checks {
		if !errors.Is(err, ErrNilHandle) {
			t.Errorf("%s on nil: %v", name, err)
		}
	}
	if c.IsConnected() || r.Client() != nil || a.Client() != nil || pg.ID() != "" {
		t.Error("nil accessors")
	}
	if f.Options(NumCPUs(1)) != nil || k.Options(Name("x")) != nil || m.Options(NumCPUs(1)) != nil {
		t.Error("Options of nil is not nil")
	}
	// A nil context and nil refs in a list are refused too.
	s := shared(t)
	if _, err := s.Put(nil, 1); !errors.Is(err, ErrNilHandle) {
		t.Errorf("nil context: %v", err)
	}
	if _, err := s.GetMany(ctx, []*ObjectRef{nil}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil ref in GetMany: %v", err)
	}
}

// A closed client, ref or actor reports ErrClosed; Close is idempotent.
func TestClosedHandles(t *testing.T) {
	ctx := context.Background()
	c := connectTest(t, WithLogsOff(), WithReconnectGracePeriod(0), WithIgnoreVersionMismatch(),
		WithConnectTimeout(time.Minute), WithRuntimeEnvJSON(string(must(json.Marshal(testEnv(map[string]string{"RC_GO_JSON": "1"})))(t))))
	if s := getAs[string](t, c, must(c.Call(ctx, "os", "getenv", "RC_GO_JSON"))(t)); s != "1" {
		t.Fatalf("runtime env from JSON: %q", s)
	}
	ref := must(c.Put(ctx, 1))(t)
	actor := must(c.ActorClass(tasks, "Counter").Remote(ctx))(t)
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if c.IsConnected() {
		t.Fatal("connected after Disconnect")
	}
	var lost *ConnectionLostError
	if _, err := c.Get(ctx, ref); !errors.As(err, &lost) || !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("Get after Disconnect: %v", err)
	}
	if err := c.Ping(ctx); !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("Ping after Disconnect: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := c.Put(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close: %v", err)
	}
	if _, err := c.Info(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Info after Close: %v", err)
	}
	if err := ref.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ref.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ref.ID(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("ID of closed ref: %v", err)
	}
	if err := actor.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := actor.Call(ctx, "get"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Call on closed actor: %v", err)
	}
}

// The process's default client: Init, DefaultClient, IsInitialized, Shutdown.
func TestDefaultClient(t *testing.T) {
	ctx := context.Background()
	if IsInitialized() {
		t.Fatal("initialized before Init")
	}
	if _, err := DefaultClient(); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("DefaultClient before Init: %v", err)
	}
	c, err := Init(ctx, testAddress, WithRuntimeEnv(testEnv(nil)), WithLogsOff())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if IsInitialized() {
			_ = Shutdown()
		}
	}()
	if !IsInitialized() {
		t.Fatal("not initialized after Init")
	}
	if _, err := Init(ctx, testAddress); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("second Init: %v", err)
	}
	d := must(DefaultClient())(t)
	if n := getAs[int](t, d, must(d.Call(ctx, tasks, "square", 9))(t)); n != 81 {
		t.Fatalf("square(9) = %d", n)
	}
	// Closing a default handle leaves the connection to Shutdown.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping after closing another default handle: %v", err)
	}
	if err := Shutdown(); err != nil {
		t.Fatal(err)
	}
	if IsInitialized() {
		t.Fatal("initialized after Shutdown")
	}
	if err := c.Ping(ctx); !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("Ping after Shutdown: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
