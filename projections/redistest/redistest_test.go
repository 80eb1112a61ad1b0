package redistest

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The harness must give each run its own server: writing a key and reading
// it back proves the connection, and the port proves it is not a shared
// default server.
func TestHarnessServerIsPrivateAndWritable(t *testing.T) {
	c := Client(t)
	if strings.Contains(os.Getenv("IUP_TEST_REDIS_URL"), ":6379") {
		t.Fatal("the test harness must not use the default port 6379: it would share a server someone else started")
	}
	ctx := context.Background()
	key := Namespace(t) + "probe"
	if err := c.Set(ctx, key, "åäö", 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	got, err := c.Get(ctx, key).Result()
	if err != nil || got != "åäö" {
		t.Fatalf("get = %q, %v; want åäö", got, err)
	}
	if a, b := Namespace(t), Namespace(t); a == b {
		t.Fatalf("namespaces repeat: %q", a)
	}
}
