package ray

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Code is a status code of the C ABI (the RAY_CLIENT_ERROR_* constants of
// ray_client.h). Every error this package returns from the library carries one; read it
// with [ErrorCode].
type Code int

// The status codes of ray_client.h.
const (
	CodeOK                Code = 0
	CodeInvalidArgument   Code = -1
	CodeConnectionFailed  Code = -2
	CodeConnectionLost    Code = -3
	CodeVersionMismatch   Code = -4
	CodeInitFailed        Code = -5
	CodeTimeout           Code = -6
	CodeTaskError         Code = -7
	CodeActorDied         Code = -8
	CodeObjectLost        Code = -9
	CodeTaskCancelled     Code = -10
	CodeServerError       Code = -11
	CodePickle            Code = -12
	CodeProtocol          Code = -13
	CodeInternal          Code = -14
	CodeAuthFailed        Code = -15
	CodeNotFound          Code = -16
	CodeNullArgument      Code = -20
	CodeInvalidHandle     Code = -21
	CodeInvalidUTF8       Code = -22
	CodePanic             Code = -23
	codeGoConversion      Code = -1000 // Go-side: a value that cannot be converted
	codeGoClosed          Code = -1001 // Go-side: a closed handle
	codeGoNil             Code = -1002 // Go-side: a nil client, ref, actor or group
	codeGoContextCanceled Code = -1003 // Go-side: the context was cancelled
)

var codeNames = map[Code]string{
	CodeOK: "ok", CodeInvalidArgument: "invalid_argument", CodeConnectionFailed: "connection_failed",
	CodeConnectionLost: "connection_lost", CodeVersionMismatch: "version_mismatch",
	CodeInitFailed: "init_failed", CodeTimeout: "timeout", CodeTaskError: "task_error",
	CodeActorDied: "actor_died", CodeObjectLost: "object_lost", CodeTaskCancelled: "task_cancelled",
	CodeServerError: "server_error", CodePickle: "pickle", CodeProtocol: "protocol",
	CodeInternal: "internal", CodeAuthFailed: "authentication_failed", CodeNotFound: "not_found", CodeNullArgument: "null_argument", CodeInvalidHandle: "invalid_handle",
	CodeInvalidUTF8: "invalid_utf8", CodePanic: "panic", codeGoConversion: "conversion",
	codeGoClosed: "closed", codeGoNil: "nil_handle", codeGoContextCanceled: "canceled",
}

// String is the code's stable short name, the same as the C ABI's error kind
// ("timeout", "task_error", ...).
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// Sentinel errors, for errors.Is. Every error returned by this package that stems from a
// status of the C library matches the sentinel of its code; the typed errors below
// (TaskError, TimeoutError, ...) match theirs too.
var (
	// ErrInvalidArgument: something unusable was passed (bad address, empty name, a ref
	// of another client, a missing named actor, ...). Also matches C's null-argument and
	// invalid-UTF-8 codes.
	ErrInvalidArgument = errors.New("ray: invalid argument")
	// ErrConnectionFailed: the cluster could not be reached.
	ErrConnectionFailed = errors.New("ray: connection failed")
	// ErrConnectionLost: the connection broke or the client was disconnected.
	ErrConnectionLost = errors.New("ray: connection lost")
	// ErrVersionMismatch: the server runs an untested Ray version.
	ErrVersionMismatch = errors.New("ray: version mismatch")
	// ErrInitFailed: the server refused the connection setup.
	ErrInitFailed = errors.New("ray: init failed")
	// ErrTimeout: a get, wait or connect did not finish in time (a context deadline or a
	// timeout of the call). Timeout errors also match context.DeadlineExceeded.
	ErrTimeout = errors.New("ray: timeout")
	// ErrTaskFailed: a remote task or actor method raised; see [TaskError].
	ErrTaskFailed = errors.New("ray: task failed")
	// ErrActorDied: the actor that should run a method is dead; see [ActorDiedError].
	ErrActorDied = errors.New("ray: actor died")
	// ErrObjectLost: an object's value is lost.
	ErrObjectLost = errors.New("ray: object lost")
	// ErrTaskCancelled: the task was cancelled ([Client.Cancel]).
	ErrTaskCancelled = errors.New("ray: task cancelled")
	// ErrServer: the server failed a request for another reason.
	ErrServer = errors.New("ray: server error")
	// ErrPickle: a pickle could not be encoded or decoded.
	ErrPickle = errors.New("ray: pickle error")
	// ErrProtocol: the server's reply did not follow the protocol.
	ErrProtocol = errors.New("ray: protocol error")
	// ErrAuthenticationFailed: the cluster requires token authentication and the token
	// is missing or wrong (see WithAuthToken).
	ErrAuthenticationFailed = errors.New("ray: authentication failed")
	// ErrNotFound: what was asked for does not exist on the cluster (an unknown job id).
	ErrNotFound = errors.New("ray: not found")
	// ErrInternal: a bug in the library (including a caught panic).
	ErrInternal = errors.New("ray: internal error")
	// ErrInvalidHandle: the C library did not know a handle (freed or foreign).
	ErrInvalidHandle = errors.New("ray: invalid handle")
	// ErrClosed: a method was called on a Client, ObjectRef, ActorHandle, PlacementGroup,
	// RemoteFunction or ActorClass after its Close.
	ErrClosed = errors.New("ray: use of closed handle")
	// ErrNilHandle: a method was called on (or passed) a nil *Client, *ObjectRef,
	// *ActorHandle, *PlacementGroup, *RemoteFunction, *ActorClass or *ActorMethod.
	ErrNilHandle = errors.New("ray: nil handle")
	// ErrConversion: a Go value could not be converted to a Ray value or back; see
	// [ConversionError].
	ErrConversion = errors.New("ray: value conversion")
)

func sentinelOf(c Code) error {
	switch c {
	case CodeInvalidArgument, CodeNullArgument, CodeInvalidUTF8:
		return ErrInvalidArgument
	case CodeConnectionFailed:
		return ErrConnectionFailed
	case CodeConnectionLost:
		return ErrConnectionLost
	case CodeVersionMismatch:
		return ErrVersionMismatch
	case CodeInitFailed:
		return ErrInitFailed
	case CodeTimeout:
		return ErrTimeout
	case CodeTaskError:
		return ErrTaskFailed
	case CodeActorDied:
		return ErrActorDied
	case CodeObjectLost:
		return ErrObjectLost
	case CodeTaskCancelled:
		return ErrTaskCancelled
	case CodeServerError:
		return ErrServer
	case CodePickle:
		return ErrPickle
	case CodeProtocol:
		return ErrProtocol
	case CodeAuthFailed:
		return ErrAuthenticationFailed
	case CodeNotFound:
		return ErrNotFound
	case CodeInternal, CodePanic:
		return ErrInternal
	case CodeInvalidHandle:
		return ErrInvalidHandle
	case codeGoClosed:
		return ErrClosed
	case codeGoNil:
		return ErrNilHandle
	case codeGoConversion:
		return ErrConversion
	}
	return nil
}

// ErrorInfo is what every error of this package knows: the operation (the Go method,
// e.g. "Get"), the status code, the C ABI's kind name and message and, for failures on
// the cluster, the remote exception type, the user's exception type, the exception's
// own message and the remote traceback. It is embedded in each error type; the methods
// come with it.
type ErrorInfo struct {
	Op         string // the method that failed, e.g. "Get", "Connect"
	Code       Code   // the status code
	Kind       string // the C ABI's kind name ("timeout", "task_error", ...)
	Message    string // the human-readable message, e.g. "get: KeyError: 'x'"
	RemoteType string // e.g. "ray.exceptions.RayTaskError(ValueError)"; "" when none
	CauseType  string // the user's exception type, e.g. "ValueError"; "" when none
	// RemoteMessage is the exception's own text, as Python's str(exception) gives it
	// ("'x'" for KeyError('x'); for a task error, the user's exception's); "" when none.
	RemoteMessage string
	Traceback     string // the remote traceback; "" when none

	// fromLibrary: Message is the C library's, which already says what was being done
	// ("get: ...", "looking up m.f on the cluster: ..."), so Error leaves Op out rather
	// than say it twice ("ray: Get: get: ...").
	fromLibrary bool
}

// Error formats "ray: message" for the C library's messages, which say what was being
// done themselves ("ray: get: KeyError: 'x'"), and "ray: Op: message" for this
// package's own ("ray: GetInto: value: cannot store a str into a Go int").
func (e *ErrorInfo) Error() string {
	var b strings.Builder
	b.WriteString("ray: ")
	if e.Op != "" && !(e.fromLibrary && e.Message != "") {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(e.Kind)
	}
	return b.String()
}

// Is reports whether target is the sentinel error of this error's code.
func (e *ErrorInfo) Is(target error) bool {
	s := sentinelOf(e.Code)
	return s != nil && s == target
}

func (e *ErrorInfo) info() *ErrorInfo { return e }

// Error is a failure that has no more specific type below (invalid argument, server
// error, object lost, ...). Match it with errors.As or its code's sentinel with
// errors.Is.
type Error struct{ ErrorInfo }

// TaskError: a remote task or actor method raised. RemoteType, CauseType,
// RemoteMessage and Traceback describe the Python exception. Matches [ErrTaskFailed].
type TaskError struct{ ErrorInfo }

// TimeoutError: a get, wait, connect or placement group wait did not finish in time.
// Matches [ErrTimeout] and context.DeadlineExceeded.
type TimeoutError struct{ ErrorInfo }

// Is also matches context.DeadlineExceeded, because the deadline of the call's context
// is the usual source of the timeout.
func (e *TimeoutError) Is(target error) bool {
	return target == context.DeadlineExceeded || e.ErrorInfo.Is(target)
}

// ActorDiedError: the actor that should run a method is dead (killed, crashed or out of
// restarts). Matches [ErrActorDied].
type ActorDiedError struct{ ErrorInfo }

// ConnectionLostError: the connection broke or the client was disconnected. Matches
// [ErrConnectionLost].
type ConnectionLostError struct{ ErrorInfo }

// ConversionError: a Go value could not become a Ray value or a Ray value could not be
// stored into the Go destination. Path locates the part ("args[1].Items[3]"). Matches
// [ErrConversion].
type ConversionError struct{ ErrorInfo }

// ErrorCode is the status code of err (or of the first error in its chain that comes
// from this package); 0 when there is none.
func ErrorCode(err error) Code {
	var i interface{ info() *ErrorInfo }
	if errors.As(err, &i) {
		return i.info().Code
	}
	return CodeOK
}

// newError builds the typed error for a code.
func newError(info ErrorInfo) error {
	if info.Kind == "" {
		info.Kind = info.Code.String()
	}
	switch info.Code {
	case CodeTaskError:
		return &TaskError{info}
	case CodeTimeout:
		return &TimeoutError{info}
	case CodeActorDied:
		return &ActorDiedError{info}
	case CodeConnectionLost:
		return &ConnectionLostError{info}
	case codeGoConversion:
		return &ConversionError{info}
	}
	return &Error{info}
}

func errClosed(op, what string) error {
	return newError(ErrorInfo{Op: op, Code: codeGoClosed, Message: what + " is closed"})
}

func errNil(op, what string) error {
	return newError(ErrorInfo{Op: op, Code: codeGoNil, Message: "nil " + what})
}

func errInvalid(op, format string, args ...any) error {
	return newError(ErrorInfo{Op: op, Code: CodeInvalidArgument, Message: fmt.Sprintf(format, args...)})
}

func errConversion(op, path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	return newError(ErrorInfo{Op: op, Code: codeGoConversion, Message: msg})
}

// ctxError is the error of a call whose context ended before the call did: a
// TimeoutError for a passed deadline (so that it matches both ErrTimeout and
// context.DeadlineExceeded), otherwise the context's error wrapped with the operation.
func ctxError(op string, ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &TimeoutError{ErrorInfo{Op: op, Code: CodeTimeout, Kind: "timeout",
			Message: "context deadline exceeded"}}
	}
	if err == nil {
		err = context.Canceled
	}
	return fmt.Errorf("ray: %s: %w", op, err)
}
