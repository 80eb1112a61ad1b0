// Package redistest connects tests to the private redis-server that the test
// harness (.ci/with-redis, used by `make test`) starts on a free port.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL returns the harness's Redis URL. Without one, the test is skipped,
// unless IUP_REQUIRE_REDIS=1 (set by `make test`), where it fails: CI must
// never pass by skipping the Redis suites.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("IUP_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("IUP_REQUIRE_REDIS") == "1" {
			t.Fatal("IUP_TEST_REDIS_URL is not set: run the tests with `make test`, which starts a private redis-server")
		}
		t.Skip("no private redis-server: run `make test` (or set IUP_TEST_REDIS_URL)")
	}
	return url
}

// Client returns a client of the harness's Redis, closed when the test ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(URL(t))
	if err != nil {
		t.Fatalf("parse IUP_TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping the test redis-server: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Namespace returns a key prefix unique to this test, so suites running in
// parallel against one server never see each other's keys.
func Namespace(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}
