package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"time"
)

// Dashboard is a cluster's dashboard: its HTTP APIs for Ray Jobs ([Dashboard.SubmitJob]
// and the other job methods) and the cluster's state ([Dashboard.ListState]). Safe for
// concurrent use; Close frees it (idempotent). Its calls block on HTTP requests and take
// a context that can end the wait.
type Dashboard struct {
	h          handle[*C.ray_client_dashboard]
	url        string
	rayVersion string
}

func (d *Dashboard) what() string                              { return "dashboard" }
func (d *Dashboard) cHandle() *handle[*C.ray_client_dashboard] { return &d.h }
func (d *Dashboard) use(op string, f func(p *C.ray_client_dashboard) error) error {
	return useWrapped(d, op, f)
}

// DashboardOption configures [ConnectDashboard].
type DashboardOption func(*dashboardConfig)

type dashboardConfig struct {
	headers  [][2]string
	metadata [][2]string
	token    string
	caCert   string
	insecure bool
	timeout  time.Duration
}

// WithDashboardHeader adds a header sent with every request (an ingress's auth, a cookie).
func WithDashboardHeader(name, value string) DashboardOption {
	return func(c *dashboardConfig) { c.headers = append(c.headers, [2]string{name, value}) }
}

// WithDashboardMetadata adds metadata to every job submitted through the dashboard (over
// a job's own keys, as Python merges them).
func WithDashboardMetadata(key, value string) DashboardOption {
	return func(c *dashboardConfig) { c.metadata = append(c.metadata, [2]string{key, value}) }
}

// WithDashboardAuthToken sets the cluster's token (default: Ray's variables and files, as
// for [Connect]).
func WithDashboardAuthToken(token string) DashboardOption {
	return func(c *dashboardConfig) { c.token = token }
}

// WithDashboardTLS sets the CA certificate (PEM file) of an https dashboard ("" for the
// system's roots); insecure accepts any certificate (Python's verify=False).
func WithDashboardTLS(caCert string, insecure bool) DashboardOption {
	return func(c *dashboardConfig) { c.caCert, c.insecure = caCert, insecure }
}

// WithDashboardTimeout sets the longest one request may take (default 60 s).
func WithDashboardTimeout(d time.Duration) DashboardOption {
	return func(c *dashboardConfig) { c.timeout = d }
}

// ConnectDashboard connects to the dashboard at address: "http://host:8265",
// "https://host:8265", "host:8265", or a Ray Client address "ray://host:10001" (the
// cluster is asked where its dashboard is); "" reads RAY_API_SERVER_ADDRESS, then
// RAY_ADDRESS, then uses http://localhost:8265. It asks the dashboard for its Ray version,
// so an address where no dashboard answers fails here (ErrConnectionFailed).
func ConnectDashboard(ctx context.Context, address string, opts ...DashboardOption) (*Dashboard, error) {
	const op = "ConnectDashboard"
	cfg := dashboardConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	caddr, err := cstringOpt(op, "address", address)
	if err != nil {
		return nil, err
	}
	var o *C.ray_client_dashboard_options
	if err := ccall(op, func() cstatus { return C.ray_client_dashboard_options_new(caddr, &o) }); err != nil {
		return nil, err
	}
	defer C.ray_client_dashboard_options_free(o)
	if err := configureDashboard(op, o, &cfg); err != nil {
		return nil, err
	}
	var p *C.ray_client_dashboard
	err = blocking(ctx, op, func() error {
		return ccall(op, func() cstatus { return C.ray_client_dashboard_connect(o, &p) })
	}, func() { C.ray_client_dashboard_free(p) })
	if err != nil {
		return nil, err
	}
	d := &Dashboard{}
	var url, version *C.char
	C.ray_client_dashboard_url(p, &url)
	C.ray_client_dashboard_ray_version(p, &version)
	d.url, d.rayVersion = goStringOrEmpty(url), goStringOrEmpty(version)
	own(d, &d.h, p, func(p *C.ray_client_dashboard) { C.ray_client_dashboard_free(p) })
	return d, nil
}

// configureDashboard writes cfg into the options handle o.
func configureDashboard(op string, o *C.ray_client_dashboard_options, cfg *dashboardConfig) error {
	if err := setPairs(op, cfg.headers, func(a, b *C.char) cstatus {
		return C.ray_client_dashboard_options_add_header(o, a, b)
	}); err != nil {
		return err
	}
	if err := setPairs(op, cfg.metadata, func(a, b *C.char) cstatus {
		return C.ray_client_dashboard_options_add_metadata(o, a, b)
	}); err != nil {
		return err
	}
	token, err := cstringOpt(op, "token", cfg.token)
	if err != nil {
		return err
	}
	ca, err := cstringOpt(op, "CA certificate", cfg.caCert)
	if err != nil {
		return err
	}
	insecure := C.int(0)
	if cfg.insecure {
		insecure = 1
	}
	return ccall(op, func() cstatus {
		if rc := C.ray_client_dashboard_options_set_auth_token(o, token); rc != C.RAY_CLIENT_OK {
			return rc
		}
		if rc := C.ray_client_dashboard_options_set_tls(o, ca, insecure); rc != C.RAY_CLIENT_OK {
			return rc
		}
		if cfg.timeout != 0 {
			ms := C.uint64_t(0)
			if cfg.timeout > 0 {
				ms = C.uint64_t(ceilMS(cfg.timeout))
			}
			return C.ray_client_dashboard_options_set_timeout_ms(o, ms)
		}
		return C.RAY_CLIENT_OK
	})
}

// URL is the dashboard's base URL, e.g. "http://10.0.0.1:8265" ("" for a nil dashboard).
func (d *Dashboard) URL() string {
	if d == nil {
		return ""
	}
	return d.url
}

// RayVersion is the Ray release the cluster runs, as its dashboard said.
func (d *Dashboard) RayVersion() string {
	if d == nil {
		return ""
	}
	return d.rayVersion
}

// Close frees the dashboard. Idempotent.
func (d *Dashboard) Close() error { return closeWrapped(d) }
