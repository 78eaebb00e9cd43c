package ray

/*
#include <stdlib.h>
#include "helpers.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Client is a connection to a Ray cluster (one Ray job), made by [Connect] or [Init].
//
// Goroutine safety: every method may be called from any number of goroutines at once.
// Close waits for calls that are inside the C library to return (it disconnects
// first, so calls waiting on the cluster fail fast with ErrConnectionLost).
//
// Ownership: Close disconnects and frees the connection. A Client that becomes
// unreachable without Close is freed by a cleanup after garbage collection (the
// connection closes when its last handle goes); don't rely on that for timely release.
// Refs, actors and placement groups keep their Client reachable.
type Client struct {
	h         handle[*C.ray_client_client] // its free function also closes the Go log sink
	isDefault bool                         // made by Init or DefaultClient: Close leaves the connection to Shutdown

	infoOnce sync.Once
	info     ClientInfo
	server   ServerInfo
}

// ConnectOption configures [Connect] and [Init].
type ConnectOption func(*connectConfig)

type connectConfig struct {
	namespace        *string
	runtimeEnvJSON   *string
	connectTimeout   *time.Duration
	reconnectGrace   *time.Duration
	keepalive        *[2]time.Duration // interval, timeout
	ignoreVersion    bool
	logsOff          bool
	logFn            func(LogRecord)
	optionErrs       []error
	namespaceCleared bool
	tls              *bool
	tlsCACert        *string
	tlsCert, tlsKey  *string
	tlsServerName    *string
	authToken        *string
	headers          [][2]string
	jobMetadata      [][2]string
	detachedActors   bool
	loggingConfig    *string // JSON, Python's dict form
	loggingLevel     *string
	logToDriverOff   bool
}

// WithNamespace sets the job's Ray namespace (ray.init(namespace=...)): named actors
// are looked up there by default.
func WithNamespace(ns string) ConnectOption { return func(c *connectConfig) { c.namespace = &ns } }

// WithRuntimeEnv sets the job's runtime environment from a Go value that encodes to a
// JSON object (a map or struct), e.g. map[string]any{"working_dir": "./py",
// "env_vars": map[string]string{"K": "V"}}. A local working_dir or py_modules path is
// uploaded.
func WithRuntimeEnv(env any) ConnectOption {
	return func(c *connectConfig) {
		js, err := runtimeEnvJSON(env)
		if err != nil {
			c.optionErrs = append(c.optionErrs, errInvalid("WithRuntimeEnv", "%v", err))
			return
		}
		c.runtimeEnvJSON = &js
	}
}

// runtimeEnvJSON encodes a runtime environment given as a Go value (connect and call
// options share it).
func runtimeEnvJSON(env any) (string, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return "", fmt.Errorf("runtime env: %w", err)
	}
	return string(b), nil
}

// WithRuntimeEnvJSON sets the job's runtime environment as JSON text (an object). Of
// WithRuntimeEnv and WithRuntimeEnvJSON, the last one given counts.
func WithRuntimeEnvJSON(js string) ConnectOption {
	return func(c *connectConfig) { c.runtimeEnvJSON = &js }
}

// WithConnectTimeout bounds how long connecting keeps trying (the library's default is
// 30 s); it must be greater than zero (Connect fails with ErrInvalidArgument otherwise).
// The context's deadline, when sooner, bounds it too.
func WithConnectTimeout(d time.Duration) ConnectOption {
	return func(c *connectConfig) { c.connectTimeout = &d }
}

// WithReconnectGracePeriod sets how long the server keeps this client's state after the
// connection drops (0 disables reconnection). Whole seconds, rounded up, so a positive
// period under a second does not turn reconnection off.
func WithReconnectGracePeriod(d time.Duration) ConnectOption {
	return func(c *connectConfig) { c.reconnectGrace = &d }
}

// WithKeepalive sets the HTTP/2 keepalive: a ping every interval (the library's
// default is 30 s, like Python's client), sent also while the connection is idle, so
// that proxies and load balancers that drop silent connections keep this one; a ping
// unanswered for timeout (default 20 s) counts the connection as broken and starts
// reconnection (see [WithReconnectGracePeriod] and [Client.ConnectionState]). Both must
// be positive; they are rounded up to whole milliseconds.
func WithKeepalive(interval, timeout time.Duration) ConnectOption {
	return func(c *connectConfig) { c.keepalive = &[2]time.Duration{interval, timeout} }
}

// WithIgnoreVersionMismatch connects even when the server's Ray version is untested.
func WithIgnoreVersionMismatch() ConnectOption {
	return func(c *connectConfig) { c.ignoreVersion = true }
}

// WithTLS switches TLS on or off, whatever RAY_USE_TLS says (by default the
// environment decides: on when RAY_USE_TLS is 1/true or a certificate path is set).
func WithTLS(enabled bool) ConnectOption { return func(c *connectConfig) { c.tls = &enabled } }

// WithTLSCACert verifies the server's certificate with the CA in the PEM file at path
// (read when connecting); without it RAY_TLS_CA_CERT or the system's roots apply.
func WithTLSCACert(path string) ConnectOption { return func(c *connectConfig) { c.tlsCACert = &path } }

// WithTLSClientCert presents this client's certificate chain and private key (PEM
// files, read when connecting); a Ray cluster with RAY_USE_TLS=1 requires one signed by
// its CA. Without it RAY_TLS_SERVER_CERT / RAY_TLS_SERVER_KEY apply.
func WithTLSClientCert(certPath, keyPath string) ConnectOption {
	return func(c *connectConfig) { c.tlsCert, c.tlsKey = &certPath, &keyPath }
}

// WithTLSServerName is the name the server's certificate must carry when it is not the
// host of the address.
func WithTLSServerName(name string) ConnectOption {
	return func(c *connectConfig) { c.tlsServerName = &name }
}

// WithAuthToken sends token to a cluster with token authentication
// (RAY_AUTH_MODE=token); it never appears in errors. Without it RAY_AUTH_TOKEN,
// RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token apply. A wrong token fails Connect with
// ErrAuthenticationFailed.
func WithAuthToken(token string) ConnectOption {
	return func(c *connectConfig) { c.authToken = &token }
}

// WithJobMetadata adds one entry to the job's metadata (Python's
// JobConfig(metadata=...)), shown with the job by the dashboard (Dashboard.ListJobs).
func WithJobMetadata(key, value string) ConnectOption {
	return func(c *connectConfig) { c.jobMetadata = append(c.jobMetadata, [2]string{key, value}) }
}

// WithDetachedActors makes the actors this client creates outlive it unless created
// otherwise (Python's JobConfig(default_actor_lifetime="detached")).
func WithDetachedActors() ConnectOption { return func(c *connectConfig) { c.detachedActors = true } }

// LoggingConfig is the logging configuration of the job's tasks and actors (Python's
// ray.LoggingConfig): how their Python logging records are formatted and from which
// level they are kept. The zero value is Ray's default (TEXT, INFO). Ray 2.30 and later;
// AdditionalLogStandardAttrs Ray 2.43 and later (Connect says which release lacks it).
type LoggingConfig struct {
	// Encoding is "TEXT" (the default when empty) or "JSON" (one JSON object per record).
	Encoding string `json:"encoding,omitempty"`
	// LogLevel is the workers' root logger level: DEBUG, INFO (the default when empty),
	// WARNING, ERROR or CRITICAL.
	LogLevel string `json:"log_level,omitempty"`
	// AdditionalLogStandardAttrs are standard logging.LogRecord attributes added to each
	// record ("name", "lineno", ...).
	AdditionalLogStandardAttrs []string `json:"additional_log_standard_attrs,omitempty"`
}

// WithLoggingConfig sets the logging configuration of the job's tasks and actors
// (Python's ray.init(logging_config=...)). Checked by Connect: an unknown encoding, level
// or attribute is ErrInvalidArgument.
func WithLoggingConfig(config LoggingConfig) ConnectOption {
	return func(c *connectConfig) {
		js, err := json.Marshal(config)
		if err != nil {
			c.optionErrs = append(c.optionErrs, errInvalid("WithLoggingConfig", "%v", err))
			return
		}
		s := string(js)
		c.loggingConfig = &s
	}
}

// WithLoggingLevel sets the level of the ray logger of this client's server (Python's
// ray.init(logging_level=...), there): a level name in any case ("debug") or its number.
func WithLoggingLevel(level string) ConnectOption {
	return func(c *connectConfig) { c.loggingLevel = &level }
}

// WithLogToDriverOff keeps the job's task and actor output on the cluster (Python's
// ray.init(log_to_driver=False)): this client's server does not collect it at all, where
// WithLogsOff drops it on arrival.
func WithLogToDriverOff() ConnectOption { return func(c *connectConfig) { c.logToDriverOff = true } }

// WithHeader adds a header (gRPC metadata, Python's _metadata) sent with every call:
// what an ingress or an authentication proxy in front of the client port needs. Names
// are letters, digits and -_. (not the protocol's own, grpc-* or -bin), values printable
// ASCII; a name may repeat. An "authorization" header stands in for the token (setting
// WithAuthToken too fails Connect). Checked by Connect; values never appear in errors.
func WithHeader(name, value string) ConnectOption {
	return func(c *connectConfig) { c.headers = append(c.headers, [2]string{name, value}) }
}

// WithLogsOff stops task and actor output from being streamed (by default it is
// printed to this process's stderr).
func WithLogsOff() ConnectOption { return func(c *connectConfig) { c.logsOff = true; c.logFn = nil } }

// WithLogFunc streams task and actor output to fn. fn runs on one goroutine per client,
// line by line in arrival order, never on the library's I/O thread, so it may block;
// lines queue meanwhile (up to 65536, then the oldest are dropped). Lines still queued
// at Close are delivered before Close returns.
func WithLogFunc(fn func(LogRecord)) ConnectOption {
	return func(c *connectConfig) {
		if fn == nil {
			c.optionErrs = append(c.optionErrs, errInvalid("Connect", "WithLogFunc: nil function"))
			return
		}
		c.logFn, c.logsOff = fn, false
	}
}

// WithLogWriter streams task and actor output to w, one Write per line (see
// WithLogFunc for the delivery rules). w need not be safe for concurrent use.
func WithLogWriter(w io.Writer) ConnectOption {
	return func(c *connectConfig) {
		if w == nil {
			c.optionErrs = append(c.optionErrs, errInvalid("Connect", "WithLogWriter: nil writer"))
			return
		}
		c.logFn, c.logsOff = writerFunc(w), false
	}
}

// freeClient frees a client handle and its Go log sink (sinkID 0: none).
func freeClient(p *C.ray_client_client, sinkID uintptr) {
	C.ray_client_client_free(p)
	if sinkID != 0 {
		closeLogSink(sinkID)
	}
}

// Connect connects to the Ray cluster at address ("ray://host:port", "host:port" or
// "host"; "" reads RAY_ADDRESS) and blocks until the server is ready, the connect
// timeout passes or ctx ends. Several clients may be connected at once, to the same or
// different clusters; each is its own Ray job.
func Connect(ctx context.Context, address string, opts ...ConnectOption) (*Client, error) {
	return connect(ctx, "Connect", address, false, opts)
}

// Init connects the process's default client (Python's ray.init), which
// [DefaultClient] returns anywhere in the program until [Shutdown]. It fails with
// ErrInvalidArgument when one is connected already. Close on the returned Client (or
// on any DefaultClient) releases that handle only; the connection stays until Shutdown.
func Init(ctx context.Context, address string, opts ...ConnectOption) (*Client, error) {
	return connect(ctx, "Init", address, true, opts)
}

var (
	defaultSinkMu sync.Mutex
	defaultSinkID uintptr // the log sink of the default client, closed by Shutdown
)

func connect(ctx context.Context, op, address string, asDefault bool, opts []ConnectOption) (*Client, error) {
	if ctx == nil {
		return nil, errNil(op, "context")
	}
	var cfg connectConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if len(cfg.optionErrs) > 0 {
		return nil, cfg.optionErrs[0]
	}
	caddr, err := cstringOpt(op, "address", address)
	if err != nil {
		return nil, err
	}
	var o *C.ray_client_connect_options
	if err := ccall(op, func() cstatus { return C.ray_client_connect_options_new(caddr, &o) }); err != nil {
		return nil, err
	}
	defer C.ray_client_connect_options_free(o)

	if cfg.namespace != nil {
		ns, err := cstring(op, "namespace", *cfg.namespace)
		if err != nil {
			return nil, err
		}
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_namespace(o, ns) }); err != nil {
			return nil, err
		}
	}
	if envJSON := cfg.runtimeEnvJSON; envJSON != nil {
		js, err := cstring(op, "runtime env", *envJSON)
		if err != nil {
			return nil, err
		}
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_runtime_env_json(o, js) }); err != nil {
			return nil, err
		}
	}
	timeout := time.Duration(-1)
	if cfg.connectTimeout != nil {
		// Zero reaches the library, which refuses it with its rule; a negative duration
		// has no C form (milliseconds are unsigned there).
		if *cfg.connectTimeout < 0 {
			return nil, errInvalid(op, "the connect timeout must be greater than zero, got %v", *cfg.connectTimeout)
		}
		timeout = *cfg.connectTimeout
	}
	if _, ok := ctx.Deadline(); ok || timeout >= 0 {
		ms := timeoutMS(ctx, timeout)
		if err := ccall(op, func() cstatus {
			return C.ray_client_connect_options_set_connect_timeout_ms(o, C.uint64_t(ms))
		}); err != nil {
			return nil, err
		}
	}
	if cfg.reconnectGrace != nil {
		if *cfg.reconnectGrace < 0 {
			return nil, errInvalid(op, "reconnect grace period must not be negative")
		}
		secs := C.uint64_t((*cfg.reconnectGrace + time.Second - 1) / time.Second)
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_reconnect_grace_period_s(o, secs) }); err != nil {
			return nil, err
		}
	}
	if ka := cfg.keepalive; ka != nil {
		if ka[0] <= 0 || ka[1] <= 0 {
			return nil, errInvalid(op, "keepalive interval and timeout must be positive, got %v and %v", ka[0], ka[1])
		}
		interval, timeout := C.uint64_t(ceilMS(ka[0])), C.uint64_t(ceilMS(ka[1]))
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_keepalive_ms(o, interval, timeout) }); err != nil {
			return nil, err
		}
	}
	if cfg.ignoreVersion {
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_ignore_version_mismatch(o, 1) }); err != nil {
			return nil, err
		}
	}
	if cfg.logsOff {
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_logs(o, C.RAY_CLIENT_LOGS_OFF) }); err != nil {
			return nil, err
		}
	}
	if cfg.tls != nil {
		on := cbool(*cfg.tls)
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_tls(o, on) }); err != nil {
			return nil, err
		}
	}
	strOpts := []struct {
		what string
		v    *string
		set  func(*C.char) cstatus
	}{
		{"TLS CA certificate path", cfg.tlsCACert, func(s *C.char) cstatus { return C.ray_client_connect_options_set_tls_ca_cert(o, s) }},
		{"TLS server name", cfg.tlsServerName, func(s *C.char) cstatus { return C.ray_client_connect_options_set_tls_server_name(o, s) }},
		{"auth token", cfg.authToken, func(s *C.char) cstatus { return C.ray_client_connect_options_set_auth_token(o, s) }},
		{"logging config", cfg.loggingConfig, func(s *C.char) cstatus { return C.ray_client_connect_options_set_logging_config_json(o, s) }},
		{"logging level", cfg.loggingLevel, func(s *C.char) cstatus { return C.ray_client_connect_options_set_logging_level(o, s) }},
	}
	for _, so := range strOpts {
		if so.v == nil {
			continue
		}
		cv, err := cstring(op, so.what, *so.v)
		if err != nil {
			return nil, err
		}
		if err := ccall(op, func() cstatus { return so.set(cv) }); err != nil {
			return nil, err
		}
	}
	if err := setPairs(op, cfg.headers, func(name, value *C.char) cstatus {
		return C.ray_client_connect_options_add_header(o, name, value)
	}); err != nil {
		return nil, err
	}
	if err := setPairs(op, cfg.jobMetadata, func(key, value *C.char) cstatus {
		return C.ray_client_connect_options_add_job_metadata(o, key, value)
	}); err != nil {
		return nil, err
	}
	if cfg.detachedActors {
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_detached_actors(o, 1) }); err != nil {
			return nil, err
		}
	}
	if cfg.logToDriverOff {
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_log_to_driver(o, 0) }); err != nil {
			return nil, err
		}
	}
	if cfg.tlsCert != nil {
		cert, err := cstring(op, "TLS certificate path", *cfg.tlsCert)
		if err != nil {
			return nil, err
		}
		key, err := cstring(op, "TLS key path", *cfg.tlsKey)
		if err != nil {
			return nil, err
		}
		if err := ccall(op, func() cstatus { return C.ray_client_connect_options_set_tls_client_cert(o, cert, key) }); err != nil {
			return nil, err
		}
	}
	var sinkID uintptr
	if cfg.logFn != nil {
		sinkID, _ = newLogSink(cfg.logFn)
		id := sinkID
		if err := ccall(op, func() cstatus { return C.rc_go_set_log_callback(o, C.uintptr_t(id)) }); err != nil {
			closeLogSink(sinkID)
			return nil, err
		}
	}

	var p *C.ray_client_client
	err = blocking(ctx, op, func() error {
		err := ccall(op, func() cstatus {
			if asDefault {
				return C.ray_client_init(o, &p)
			}
			return C.ray_client_connect(o, &p)
		})
		if err != nil && sinkID != 0 {
			closeLogSink(sinkID) // no client will use it (also when ctx ended first)
		}
		return err
	}, func() {
		// ctx ended first: nobody will own this connection.
		if asDefault {
			C.ray_client_shutdown()
		} else {
			C.ray_client_client_disconnect(p)
		}
		freeClient(p, sinkID)
	})
	if err != nil {
		// When ctx ended first, the connect goes on in the background: its failure
		// closes the sink above, its success the done function.
		return nil, err
	}
	if asDefault && sinkID != 0 {
		defaultSinkMu.Lock()
		defaultSinkID = sinkID
		defaultSinkMu.Unlock()
		sinkID = 0 // the default client's sink lives until Shutdown
	}
	return newClient(p, sinkID, asDefault), nil
}

func newClient(p *C.ray_client_client, sinkID uintptr, isDefault bool) *Client {
	c := &Client{isDefault: isDefault}
	own(c, &c.h, p, func(p *C.ray_client_client) { freeClient(p, sinkID) })
	return c
}

// DefaultClient is a new handle to the default client connected by [Init]; it fails
// with ErrInvalidArgument when none is connected. Close it when done (the connection
// stays until Shutdown).
func DefaultClient() (*Client, error) {
	var p *C.ray_client_client
	if err := ccall("DefaultClient", func() cstatus { return C.ray_client_default_client(&p) }); err != nil {
		return nil, err
	}
	return newClient(p, 0, true), nil
}

// IsInitialized reports whether the default client ([Init]) is connected.
func IsInitialized() bool { return C.ray_client_is_initialized() == 1 }

// Shutdown disconnects the default client, if any; its handles then report
// ErrConnectionLost (close them still).
func Shutdown() error {
	err := ccall("Shutdown", func() cstatus { return C.ray_client_shutdown() })
	defaultSinkMu.Lock()
	id := defaultSinkID
	defaultSinkID = 0
	defaultSinkMu.Unlock()
	if id != 0 {
		closeLogSink(id)
	}
	return err
}

func (*Client) what() string                             { return "client" }
func (c *Client) cHandle() *handle[*C.ray_client_client] { return &c.h }

// use runs f with the client's live C handle (see handle.use).
func (c *Client) use(op string, f func(p *C.ray_client_client) error) error {
	return useWrapped(c, op, f)
}

// Close disconnects from the cluster (the server releases this client's objects and
// non-detached actors) and frees the client. Idempotent: a second Close returns nil.
// For a default client ([Init], [DefaultClient]) it frees this handle only.
func (c *Client) Close() error {
	if c == nil {
		return errNil("Close", "client")
	}
	var err error
	if !c.isDefault {
		// Disconnect before taking the write lock: calls blocked on the cluster under
		// the read lock then return promptly instead of holding Close up.
		err = c.h.use("Close", c.what(), func(p *C.ray_client_client) error {
			return ccall("Close", func() cstatus { return C.ray_client_client_disconnect(p) })
		})
		if ErrorCode(err) == codeGoClosed {
			return nil
		}
	}
	if !c.h.close() {
		return nil
	}
	return err
}

// Disconnect closes the connection but keeps the Client: later calls fail with
// ErrConnectionLost. Idempotent. Close is still needed to free the Client.
func (c *Client) Disconnect() error {
	return c.use("Disconnect", func(p *C.ray_client_client) error {
		return ccall("Disconnect", func() cstatus { return C.ray_client_client_disconnect(p) })
	})
}

// IsConnected reports whether the client is connected (false after Disconnect or
// Close, or for a nil client).
func (c *Client) IsConnected() bool {
	var out C.int
	err := c.use("IsConnected", func(p *C.ray_client_client) error {
		return ccall("IsConnected", func() cstatus { return C.ray_client_client_is_connected(p, &out) })
	})
	return err == nil && out == 1
}

// ConnectionState is the state of a client's connection, as [Client.ConnectionState]
// reports it.
type ConnectionState int

const (
	// StateConnected: the connection is up.
	StateConnected ConnectionState = iota
	// StateReconnecting: the connection dropped and the client is reconnecting; calls
	// made meanwhile wait for it (and pending requests are replayed), up to the
	// reconnect grace period ([WithReconnectGracePeriod]).
	StateReconnecting
	// StateLost: the connection is gone for good (Disconnect or Close, the grace period
	// passed, or the server no longer knows this client); calls fail with
	// ErrConnectionLost.
	StateLost
)

// String is "connected", "reconnecting" or "lost" ("ConnectionState(N)" otherwise).
func (s ConnectionState) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "reconnecting"
	case StateLost:
		return "lost"
	}
	return "ConnectionState(" + strconv.Itoa(int(s)) + ")"
}

// ConnectionState reports whether the connection is up, being re-established after it
// dropped, or lost for good. A nil or closed Client is StateLost. The state is known
// locally (no round trip); it may change as soon as it is returned.
func (c *Client) ConnectionState() ConnectionState {
	var out C.int
	err := c.use("ConnectionState", func(p *C.ray_client_client) error {
		return ccall("ConnectionState", func() cstatus { return C.ray_client_client_state(p, &out) })
	})
	if err != nil {
		return StateLost
	}
	switch out {
	case C.RAY_CLIENT_STATE_CONNECTED:
		return StateConnected
	case C.RAY_CLIENT_STATE_RECONNECTING:
		return StateReconnecting
	case C.RAY_CLIENT_STATE_LOST:
		return StateLost
	}
	return ConnectionState(out) // a state this package does not know yet
}

// ClientInfo identifies a connection.
type ClientInfo struct {
	ID        string // the client id, 32 hex digits
	Address   string // the address connected to
	Namespace string // the job's namespace ("" when none was given)
}

// ServerInfo is what the server said about itself when connecting.
type ServerInfo struct {
	RayVersion    string
	RayCommit     string
	PythonVersion string
	NumClients    int // clients connected to the server at the time
}

// loadInfo is what Info and ServerInfo return: both are asked of the library once, by
// whichever is called first. op names the error of a nil client only; the library's
// errors say "Info" either way, as the first call's error may be reported again.
func (c *Client) loadInfo(op string) (ClientInfo, ServerInfo, error) {
	if c == nil {
		return ClientInfo{}, ServerInfo{}, errNil(op, "client")
	}
	var err error
	c.infoOnce.Do(func() {
		err = c.use("Info", func(p *C.ray_client_client) error {
			var id, addr, ns, rv, rc, pv *C.char
			var n C.int32_t
			if err := ccall("Info", func() cstatus { return C.ray_client_client_info(p, &id, &addr, &ns) }); err != nil {
				return err
			}
			if err := ccall("Info", func() cstatus { return C.ray_client_client_server_info(p, &rv, &rc, &pv, &n) }); err != nil {
				return err
			}
			c.info = ClientInfo{ID: goStringOrEmpty(id), Address: goStringOrEmpty(addr), Namespace: goStringOrEmpty(ns)}
			c.server = ServerInfo{RayVersion: goStringOrEmpty(rv), RayCommit: goStringOrEmpty(rc),
				PythonVersion: goStringOrEmpty(pv), NumClients: int(n)}
			return nil
		})
	})
	if err == nil && c.info.ID == "" {
		// An earlier attempt failed (closed client); report that state now.
		err = c.use("Info", func(*C.ray_client_client) error { return nil })
	}
	if err != nil {
		return ClientInfo{}, ServerInfo{}, err
	}
	return c.info, c.server, nil
}

// Info is the client's id, address and namespace (known locally, no round trip).
func (c *Client) Info() (ClientInfo, error) {
	info, _, err := c.loadInfo("Info")
	return info, err
}

// ServerInfo is what the server reported when connecting (Ray and Python versions).
func (c *Client) ServerInfo() (ServerInfo, error) {
	_, server, err := c.loadInfo("ServerInfo")
	return server, err
}

// ClusterResources is the cluster's total resources (ray.cluster_resources()), e.g.
// {"CPU": 4, "memory": ...}.
func (c *Client) ClusterResources(ctx context.Context) (map[string]float64, error) {
	return jsonCall[map[string]float64](ctx, "ClusterResources", c.use, func(p *C.ray_client_client, out **C.char) cstatus {
		return C.ray_client_cluster_resources(p, out)
	})
}

// AvailableResources is the resources not in use right now (ray.available_resources()).
func (c *Client) AvailableResources(ctx context.Context) (map[string]float64, error) {
	return jsonCall[map[string]float64](ctx, "AvailableResources", c.use, func(p *C.ray_client_client, out **C.char) cstatus {
		return C.ray_client_cluster_available_resources(p, out)
	})
}

// Node is one node of the cluster, as ray.nodes() describes it.
type Node struct {
	NodeID    string             `json:"NodeID"`
	Alive     bool               `json:"Alive"`
	Address   string             `json:"NodeManagerAddress"`
	Hostname  string             `json:"NodeManagerHostname"`
	Resources map[string]float64 `json:"Resources"`
	// Raw is the whole description, with the fields not copied above.
	Raw map[string]any `json:"-"`
}

// Timeline is the cluster's task timeline (ray.timeline()): Chrome tracing events
// (cat, name, pid, tid, ts, dur, ph, ...), for chrome://tracing or Perfetto once written
// out as a JSON array.
func (c *Client) Timeline(ctx context.Context) ([]map[string]any, error) {
	return jsonCall[[]map[string]any](ctx, "Timeline", c.use, func(p *C.ray_client_client, out **C.char) cstatus {
		return C.ray_client_cluster_timeline(p, out)
	})
}

// Nodes lists the cluster's nodes (ray.nodes()).
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	raw, err := jsonCall[[]json.RawMessage](ctx, "Nodes", c.use, func(p *C.ray_client_client, out **C.char) cstatus {
		return C.ray_client_cluster_nodes(p, out)
	})
	if err != nil {
		return nil, err
	}
	nodes := make([]Node, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &nodes[i]); err != nil {
			return nil, newError(ErrorInfo{Op: "Nodes", Code: CodeProtocol, Message: err.Error()})
		}
		if err := json.Unmarshal(r, &nodes[i].Raw); err != nil {
			return nil, newError(ErrorInfo{Op: "Nodes", Code: CodeProtocol, Message: err.Error()})
		}
	}
	return nodes, nil
}

// RuntimeContext is the job's runtime context (ray.get_runtime_context()).
type RuntimeContext struct {
	JobID       string `json:"job_id"`
	NodeID      string `json:"node_id"`
	Namespace   string `json:"namespace"`
	RuntimeEnv  string `json:"runtime_env"` // JSON text
	GCSAddress  string `json:"gcs_address"`
	SessionName string `json:"session_name"`
	// WorkerID is the driver of this client's server ("" from releases that do not send
	// it: 2.55 and earlier).
	WorkerID string `json:"worker_id"`
}

// RuntimeContext is the job's runtime context: job id, node, namespace, runtime env.
func (c *Client) RuntimeContext(ctx context.Context) (RuntimeContext, error) {
	return jsonCall[RuntimeContext](ctx, "RuntimeContext", c.use, func(p *C.ray_client_client, out **C.char) cstatus {
		return C.ray_client_client_runtime_context(p, out)
	})
}

// DashboardURL is the dashboard's URL ("" when the cluster runs without one).
func (c *Client) DashboardURL(ctx context.Context) (string, error) {
	return stringCall(ctx, "DashboardURL", c.use, func(p *C.ray_client_client, s **C.char) cstatus {
		return C.ray_client_cluster_dashboard_url(p, s)
	})
}

// Ping asks the server whether it is there; nil when it answers.
func (c *Client) Ping(ctx context.Context) error {
	return blockingCall(ctx, "Ping", c.use, func(p *C.ray_client_client) cstatus { return C.ray_client_client_ping(p) }, nil)
}

// ServerInitialized reports whether Ray is initialized on the client's server.
func (c *Client) ServerInitialized(ctx context.Context) (bool, error) {
	var out C.int
	err := blockingCall(ctx, "ServerInitialized", c.use, func(p *C.ray_client_client) cstatus {
		return C.ray_client_client_server_is_initialized(p, &out)
	}, nil)
	return out == 1, err
}
