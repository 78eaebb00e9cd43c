//go:build ray_security

package ray

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Token authentication and TLS against the clusters tests/run-go starts for them
// (go test -tags ray_security -run TestSecurity): RC_TEST_AUTH_ADDRESS +
// RC_TEST_AUTH_TOKEN, RC_TEST_TLS_ADDRESS + RC_TEST_TLS_DIR (tests/harness/tls-certs).

func requiredEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set (tests/run-go starts the security clusters)", name)
	}
	return v
}

// connectAndPing connects with opts (what names them in the failure), pings and
// closes: what the right credentials must allow.
func connectAndPing(t *testing.T, what, addr string, opts ...ConnectOption) {
	t.Helper()
	ctx := context.Background()
	c, err := Connect(ctx, addr, append(opts, WithLogsOff())...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSecurityAuthToken(t *testing.T) {
	ctx := context.Background()
	addr, token := requiredEnv(t, "RC_TEST_AUTH_ADDRESS"), requiredEnv(t, "RC_TEST_AUTH_TOKEN")
	connectAndPing(t, "the right token", addr, WithAuthToken(token))
	_, err := Connect(ctx, addr, WithAuthToken("wrong-"+token), WithLogsOff())
	var e *Error
	if !errors.Is(err, ErrAuthenticationFailed) || !errors.As(err, &e) || e.Kind != "authentication_failed" {
		t.Fatalf("a wrong token: %#v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("the error shows the token")
	}
}

// An "authorization" header (Python's _metadata, as behind an auth proxy) stands in for
// the token on every call; a wrong one is refused; with WithAuthToken too, Connect fails.
func TestSecurityAuthorizationHeader(t *testing.T) {
	ctx := context.Background()
	addr, token := requiredEnv(t, "RC_TEST_AUTH_ADDRESS"), requiredEnv(t, "RC_TEST_AUTH_TOKEN")
	c, err := Connect(ctx, addr, WithHeader("x-request-source", "ray-client tests"),
		WithHeader("Authorization", "Bearer "+token), WithLogsOff())
	if err != nil {
		t.Fatalf("connect with an authorization header: %v", err)
	}
	ref, err := c.Put(ctx, "through the header")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, ref); err != nil || v != "through the header" {
		t.Fatalf("get: %v %v", v, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Connect(ctx, addr, WithHeader("authorization", "Bearer wrong-"+token), WithLogsOff())
	if !errors.Is(err, ErrAuthenticationFailed) || strings.Contains(err.Error(), token) {
		t.Fatalf("a wrong header: %v", err)
	}
	_, err = Connect(ctx, addr, WithHeader("authorization", "Bearer "+token), WithAuthToken(token), WithLogsOff())
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a token and a header: %v", err)
	}
	_, err = Connect(ctx, addr, WithHeader("client_id", "x"), WithLogsOff())
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "protocol sets") {
		t.Fatalf("a reserved header: %v", err)
	}
}

func TestSecurityTLS(t *testing.T) {
	ctx := context.Background()
	addr, dir := requiredEnv(t, "RC_TEST_TLS_ADDRESS"), requiredEnv(t, "RC_TEST_TLS_DIR")
	connectAndPing(t, "TLS with the right CA", addr, WithTLS(true), WithTLSCACert(filepath.Join(dir, "ca.crt")),
		WithTLSClientCert(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")),
		WithTLSServerName("localhost"))
	_, err := Connect(ctx, addr, WithTLS(true), WithTLSCACert(filepath.Join(dir, "other-ca.crt")),
		WithTLSClientCert(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")), WithLogsOff())
	if !errors.Is(err, ErrConnectionFailed) || !strings.Contains(err.Error(), "certificate verification failed") {
		t.Fatalf("TLS with another CA: %v", err)
	}
}

// The token cluster's dashboard: the token opens it, a wrong one is refused without
// showing it.
func TestSecurityDashboardAuthToken(t *testing.T) {
	ctx := context.Background()
	url, token := requiredEnv(t, "RC_TEST_AUTH_DASHBOARD_URL"), requiredEnv(t, "RC_TEST_AUTH_TOKEN")
	d, err := ConnectDashboard(ctx, url, WithDashboardAuthToken(token))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ListJobs(ctx); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err = ConnectDashboard(ctx, url, WithDashboardAuthToken("wrong-"+token))
	if !errors.Is(err, ErrAuthenticationFailed) || strings.Contains(err.Error(), token) {
		t.Fatalf("a wrong token: %v", err)
	}
}

// The main dashboard over https, through tests/harness/tls-forward (as an ingress serves
// Ray's plain-HTTP dashboard): its CA or no check opens it, the system roots refuse it.
func TestSecurityDashboardHTTPS(t *testing.T) {
	ctx := context.Background()
	certs, url := requiredEnv(t, "RC_TEST_TLS_DIR"), requiredEnv(t, "RAY_TEST_DASHBOARD_URL")
	python := requiredEnv(t, "RAY_TEST_PYTHON")
	// The package's directory is bindings/go of the repository.
	cmd := exec.Command(python, filepath.Join("..", "..", "tests/harness/tls-forward"),
		filepath.Join(certs, "server.crt"), filepath.Join(certs, "server.key"),
		url[strings.LastIndex(url, ":")+1:], strconv.Itoa(os.Getpid()))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	https := "https://127.0.0.1:" + strings.TrimSpace(port)

	for _, opt := range []DashboardOption{
		WithDashboardTLS(filepath.Join(certs, "ca.crt"), false),
		WithDashboardTLS("", true),
	} {
		d, err := ConnectDashboard(ctx, https, opt)
		if err != nil {
			t.Fatal(err)
		}
		if d.URL() != https {
			t.Fatalf("url %q", d.URL())
		}
		if _, err := d.ListJobs(ctx); err != nil {
			t.Fatal(err)
		}
		d.Close()
	}
	if _, err := ConnectDashboard(ctx, https); !errors.Is(err, ErrConnectionFailed) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("the system roots: %v", err)
	}
}
