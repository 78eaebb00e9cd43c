package ray

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Reconnection against the real cluster through tests/harness/fault-proxy, as
// tests/c/test_reconnect.c does through the C ABI: a client survives cut connections
// without an error (the library reconnects within the grace period and replays the
// pending requests), reports its connection state, and after a partition longer than
// its grace period fails with *ConnectionLostError naming the address.

// faultProxy is a running tests/harness/fault-proxy in front of the test cluster.
type faultProxy struct {
	t       testing.TB
	cmd     *exec.Cmd
	address string // ray://127.0.0.1:PORT
	control io.WriteCloser
	lines   chan string // the proxy's stdout after its address
}

// startFaultProxy starts the proxy; it is stopped (SIGTERM) when the test ends.
func startFaultProxy(t testing.TB) *faultProxy {
	t.Helper()
	script, err := filepath.Abs("../../tests/harness/fault-proxy")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", script, testAddress)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	control, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", script, err)
	}
	p := &faultProxy{t: t, cmd: cmd, control: control, lines: make(chan string, 16)}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the fault proxy's address: %v (got %q)", err, line)
	}
	p.address = strings.TrimSpace(line)
	if !strings.HasPrefix(p.address, "ray://") {
		t.Fatalf("fault proxy printed %q, want ray://HOST:PORT", p.address)
	}
	go func() {
		defer close(p.lines)
		for {
			line, err := out.ReadString('\n')
			if err != nil {
				return
			}
			p.lines <- strings.TrimSpace(line)
		}
	}()
	return p
}

// command writes one control line to the proxy (see tests/harness/fault-proxy).
func (p *faultProxy) command(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.control, line+"\n"); err != nil {
		p.t.Fatalf("writing %q to the fault proxy: %v", line, err)
	}
}

// stats is the proxy's count of accepted connections and of idle cuts so far.
func (p *faultProxy) stats() (accepted, idleCuts int) {
	p.t.Helper()
	p.command("stats")
	line, ok := <-p.lines
	if !ok {
		p.t.Fatal("the fault proxy exited")
	}
	if _, err := fmt.Sscanf(line, "accepted %d idle_cuts %d", &accepted, &idleCuts); err != nil {
		p.t.Fatalf("fault proxy stats %q: %v", line, err)
	}
	return accepted, idleCuts
}

// signal sends sig and gives the proxy time to handle it: it handles signals
// asynchronously and, when several are pending, in signal-number order.
func (p *faultProxy) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signalling the fault proxy: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
}

// hostPort is the proxy's address without the scheme, as error messages name it.
func (p *faultProxy) hostPort() string { return strings.TrimPrefix(p.address, "ray://") }

// connectVia connects to the proxy (no runtime env: puts and gets need none); the client
// is closed when the test ends.
func connectVia(t testing.TB, address string, opts ...ConnectOption) *Client {
	t.Helper()
	c, err := Connect(context.Background(), address, append([]ConnectOption{WithLogsOff()}, opts...)...)
	if err != nil {
		t.Fatalf("Connect(%s): %v", address, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// putGet puts i and gets it back.
func putGet(c *Client, i int) error {
	ctx := context.Background()
	ref, err := c.Put(ctx, i)
	if err != nil {
		return err
	}
	defer ref.Close()
	got, err := GetAs[int](ctx, c, ref)
	if err != nil {
		return err
	}
	if got != i {
		return errors.New("round trip: got a different value back")
	}
	return nil
}

func TestConnectionStateString(t *testing.T) {
	for s, want := range map[ConnectionState]string{
		StateConnected: "connected", StateReconnecting: "reconnecting", StateLost: "lost",
		ConnectionState(7): "ConnectionState(7)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
	var nilClient *Client
	if s := nilClient.ConnectionState(); s != StateLost {
		t.Errorf("nil client: ConnectionState() = %v, want lost", s)
	}
}

func TestKeepaliveOption(t *testing.T) {
	ctx := context.Background()
	for _, ka := range [][2]time.Duration{{0, time.Second}, {time.Second, 0}, {-time.Second, time.Second}} {
		if _, err := Connect(ctx, testAddress, WithKeepalive(ka[0], ka[1])); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithKeepalive(%v, %v): err = %v, want ErrInvalidArgument", ka[0], ka[1], err)
		}
	}
	// Through a proxy that cuts connections silent for 3 s (as NATs and load balancers
	// do), pings every second keep an idle client's connection: no cut, no new
	// connection, and the next call just works. As in tests/reliability.rs.
	const idleLimit, idleFor = "3", 8 * time.Second
	p := startFaultProxy(t)
	c := connectVia(t, p.address, WithKeepalive(time.Second, 30*time.Second))
	if err := putGet(c, 1); err != nil {
		t.Fatal(err)
	}
	// Only now: starting the client's server may keep the connection silent for longer.
	p.command("idle " + idleLimit)
	dialled, _ := p.stats()
	time.Sleep(idleFor)
	if err := putGet(c, 2); err != nil {
		t.Fatal(err)
	}
	if accepted, cuts := p.stats(); cuts != 0 || accepted != dialled {
		t.Fatalf("with keepalive: %d idle cuts, %d connections (before idling: %d); want no cut, no new connection", cuts, accepted, dialled)
	}
	if s := c.ConnectionState(); s != StateConnected {
		t.Fatalf("after idling with keepalive: state %v, want connected", s)
	}

	// Control: with Python's default of a ping every 30 s the same proxy cuts the idle
	// connection, and only reconnection saves the next call.
	p2 := startFaultProxy(t)
	c2 := connectVia(t, p2.address)
	if err := putGet(c2, 3); err != nil {
		t.Fatal(err)
	}
	p2.command("idle " + idleLimit)
	time.Sleep(idleFor)
	if err := putGet(c2, 4); err != nil {
		t.Fatal(err)
	}
	if _, cuts := p2.stats(); cuts == 0 {
		t.Fatal("the control connection (default keepalive) was never idle-cut")
	}
}

func TestReconnect(t *testing.T) {
	p := startFaultProxy(t)

	// Cuts within the grace period (default 30 s): every call succeeds.
	c := connectVia(t, p.address, WithKeepalive(time.Second, 5*time.Second))
	if s := c.ConnectionState(); s != StateConnected {
		t.Fatalf("state %v after Connect, want connected", s)
	}
	for i := range 5 {
		if err := putGet(c, i); err != nil {
			t.Fatalf("round %d, before the cut: %v", i, err)
		}
		p.signal(syscall.SIGUSR1)
		if err := putGet(c, 100+i); err != nil {
			t.Fatalf("round %d, after the cut: %v", i, err)
		}
	}
	if _, err := c.KV("").Put(context.Background(), "rc-go-reconnect", []byte("1"), true); err != nil {
		t.Fatalf("KVPut after cuts: %v", err)
	}
	if s := c.ConnectionState(); s != StateConnected {
		t.Fatalf("state %v after 5 cuts, want connected", s)
	}

	// A partition longer than the grace period: calls fail with connection lost.
	short := connectVia(t, p.address, WithReconnectGracePeriod(2*time.Second))
	if err := putGet(short, 7); err != nil {
		t.Fatal(err)
	}
	ref, err := short.Put(context.Background(), 8)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	p.signal(syscall.SIGUSR2) // refuse new connections
	p.signal(syscall.SIGUSR1) // cut the live ones
	_, err = short.Get(context.Background(), ref)
	var lost *ConnectionLostError
	if !errors.As(err, &lost) {
		t.Fatalf("Get during a partition: err = %v (%T), want *ConnectionLostError", err, err)
	}
	if !errors.Is(err, ErrConnectionLost) {
		t.Errorf("Get during a partition: errors.Is(err, ErrConnectionLost) is false for %v", err)
	}
	if !strings.Contains(err.Error(), p.hostPort()) {
		t.Errorf("the error %q does not name the address %s", err, p.hostPort())
	}
	if s := short.ConnectionState(); s != StateLost {
		t.Errorf("state %v after the grace period, want lost", s)
	}
	if err := putGet(short, 9); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("round trip on a lost client: err = %v, want ErrConnectionLost", err)
	}
	p.signal(syscall.SIGHUP) // the partition ends

	// The first client, cut during the partition too, comes back once it ends.
	if err := putGet(c, 42); err != nil {
		t.Fatalf("after the partition: %v", err)
	}
	if s := c.ConnectionState(); s != StateConnected {
		t.Errorf("state %v after the partition, want connected", s)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if s := c.ConnectionState(); s != StateLost {
		t.Errorf("state %v after Close, want lost", s)
	}
}

// TestReconnectConcurrent: 16 goroutines share a client, each doing put/get round trips
// while the proxy cuts every connection about every 300 ms; every call succeeds. It
// also shows that the process survives writes to cut sockets (the library blocks
// SIGPIPE on its I/O thread; a Go program would otherwise die of it).
func TestReconnectConcurrent(t *testing.T) {
	const goroutines, minRoundTrips, minCuts = 16, 50, 5
	p := startFaultProxy(t)
	c := connectVia(t, p.address)

	var cuts atomic.Int64
	stop := make(chan struct{})
	cutterDone := make(chan struct{})
	go func() {
		defer close(cutterDone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
				t.Errorf("signalling the fault proxy: %v", err)
				return
			}
			cuts.Add(1)
		}
	}()

	var done atomic.Int64
	parallel(t, goroutines, func(g int) error {
		// At least minRoundTrips each, and on until the connections were cut minCuts
		// times, so that cuts land in the middle of the work.
		for i := 0; i < minRoundTrips || cuts.Load() < minCuts; i++ {
			if err := putGet(c, g*1_000_000+i); err != nil {
				return fmt.Errorf("round trip across cuts: %w", err)
			}
			done.Add(1)
		}
		return nil
	})
	close(stop)
	<-cutterDone
	t.Logf("%d round trips by %d goroutines across %d cuts", done.Load(), goroutines, cuts.Load())
	// A round trip first: the last cut may have landed just before the cutter stopped,
	// and the client is then still reconnecting (a state it reports truthfully). Once a
	// call went through after the last cut, the client must say it is connected.
	if err := putGet(c, -1); err != nil {
		t.Errorf("after the cuts: %v", err)
	}
	if s := c.ConnectionState(); s != StateConnected {
		t.Errorf("state %v after the cuts and a round trip, want connected", s)
	}
}
