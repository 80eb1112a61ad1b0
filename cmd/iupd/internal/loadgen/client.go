package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of the API that loadgen reads or sends.
const (
	consistencyHeader = "IUP-Consistency-Token"
	staleHeader       = "IUP-Stale"
	idempotencyHeader = "Idempotency-Key"
)

// client sends API requests with one keep-alive pool for the whole run.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int, timeout time.Duration) *client {
	tr := &http.Transport{
		Proxy:               nil, // a load test measures the service, not a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: tr, Timeout: timeout}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// answer is what a request got back. Status 0 means no answer (a
// connection error or a timeout); err says which.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error
}

// ok reports a 2xx answer.
func (a answer) ok() bool { return a.Status >= 200 && a.Status < 300 }

// token is the consistency token a write answered with.
func (a answer) token() string { return a.Header.Get(consistencyHeader) }

// do sends one request: body is JSON-encoded unless nil; headers are
// name, value pairs (empty values skipped).
func (c *client) do(ctx context.Context, method, path, bearer string, body any, headers ...string) answer {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{Err: fmt.Errorf("encode %s %s: %w", method, path, err)}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{Err: fmt.Errorf("%s %s: %w", method, path, err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return answer{Err: fmt.Errorf("%s %s: %w", method, path, err)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{Status: res.StatusCode, Header: res.Header, Err: fmt.Errorf("%s %s: read body: %w", method, path, err)}
	}
	return answer{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// doPaced is do for the setup: a 429 (the caller's request budget) is
// sent again after the Retry-After the service asked for. The rate limiter
// answers before the request is handled, so resending cannot write twice.
// The workload itself uses do: there a 429 is an answer to report.
func (c *client) doPaced(ctx context.Context, method, path, bearer string, body any, headers ...string) answer {
	for tries := 0; ; tries++ {
		a := c.do(ctx, method, path, bearer, body, headers...)
		if a.Status != http.StatusTooManyRequests || tries == 50 {
			return a
		}
		wait := time.Second
		if s, err := strconv.Atoi(a.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = time.Duration(s)*time.Second + 10*time.Millisecond
		}
		select {
		case <-ctx.Done():
			return a
		case <-time.After(wait):
		}
	}
}

// expect turns an answer outside want into an error that names the request
// and quotes the problem's detail (never a request body: it may hold
// comment text).
func expect(a answer, what string, want ...int) error {
	if a.Err != nil {
		return fmt.Errorf("%s: %w", what, a.Err)
	}
	for _, w := range want {
		if a.Status == w {
			return nil
		}
	}
	var p struct {
		Title, Detail string
	}
	_ = json.Unmarshal(a.Body, &p)
	return fmt.Errorf("%s: status %d: %s %s", what, a.Status, p.Title, p.Detail)
}
