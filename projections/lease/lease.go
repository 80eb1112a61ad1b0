// Package lease gives one process at a time the right to run a projection
// (or the forwarder), through a Redis key that expires unless its holder
// renews it. Each grant carries a fencing token that only grows, and the
// read-model store checks it in the same transaction as every write
// (projections.Fence), so a holder that was paused past its lease, and
// still believes it holds it, cannot write once another took over.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/projections"
)

// The lease key holds exactly the token, as a decimal string: redisstore's
// apply script compares GET(Fence.Key) with Fence.Token byte for byte. The
// holder's name sits beside it, for operators only.

// acquire takes the lease when it is free: the token is the next value of a
// counter that is never reset, so a later grant always has a larger token
// than any earlier one, even after the lease key expired.
var acquire = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], t, 'PX', ARGV[1])
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[1])
return t
`)

// renew extends the lease only while the key still holds my token.
var renew = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
`)

// release frees the lease only while the key still holds my token.
var release = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
return 1
`)

// ErrNotHeld: a renewal found the lease gone or held by someone else.
var ErrNotHeld = errors.New("lease: not held")

// Lease names one lease (one projection, or the forwarder) in Redis.
type Lease struct {
	rdb    redis.UniversalClient
	key    string
	holder string
	ttl    time.Duration
}

// New returns the lease stored under key (e.g. "iup:lease:audit"), held for
// ttl after each grant or renewal; holder names this process in the
// operators' view of who holds what.
func New(rdb redis.UniversalClient, key, holder string, ttl time.Duration) (*Lease, error) {
	switch {
	case rdb == nil:
		return nil, errors.New("lease: no redis client")
	case key == "":
		return nil, errors.New("lease: no key")
	case ttl < 10*time.Millisecond:
		return nil, fmt.Errorf("lease %s: ttl %s is too short", key, ttl)
	}
	if holder == "" {
		holder = randomName()
	}
	return &Lease{rdb: rdb, key: key, holder: holder, ttl: ttl}, nil
}

// Key is the Redis key holding the token.
func (l *Lease) Key() string { return l.key }

// TTL is how long a grant or renewal lasts.
func (l *Lease) TTL() time.Duration { return l.ttl }

func (l *Lease) keys() []string { return []string{l.key, l.key + ":token", l.key + ":holder"} }

// TryAcquire takes the lease if it is free. ok is false when another holds
// it. The deadline is when the lease ends unless renewed, measured from
// before the request was sent, so it is never later than Redis's own.
func (l *Lease) TryAcquire(ctx context.Context) (fence projections.Fence, deadline time.Time, ok bool, err error) {
	sent := time.Now()
	tok, err := acquire.Run(ctx, l.rdb, l.keys(), l.ttl.Milliseconds(), l.holder).Int64()
	if errors.Is(err, redis.Nil) {
		return projections.Fence{}, time.Time{}, false, nil
	}
	if err != nil {
		return projections.Fence{}, time.Time{}, false, fmt.Errorf("lease %s: acquire: %w", l.key, err)
	}
	return projections.Fence{Key: l.key, Token: strconv.FormatInt(tok, 10)}, sent.Add(l.ttl), true, nil
}

// Renew extends the lease held with fence and returns the new deadline, or
// ErrNotHeld when the lease went to someone else (or expired).
func (l *Lease) Renew(ctx context.Context, fence projections.Fence) (time.Time, error) {
	sent := time.Now()
	n, err := renew.Run(ctx, l.rdb, l.keys(), fence.Token, l.ttl.Milliseconds()).Int64()
	if err != nil {
		return time.Time{}, fmt.Errorf("lease %s: renew: %w", l.key, err)
	}
	if n == 0 {
		return time.Time{}, ErrNotHeld
	}
	return sent.Add(l.ttl), nil
}

// Release frees the lease if fence still holds it, so a successor need not
// wait for the expiry.
func (l *Lease) Release(ctx context.Context, fence projections.Fence) error {
	if err := release.Run(ctx, l.rdb, l.keys(), fence.Token).Err(); err != nil {
		return fmt.Errorf("lease %s: release: %w", l.key, err)
	}
	return nil
}

// Holder returns the name of the current holder ("" when free).
func (l *Lease) Holder(ctx context.Context) (string, error) {
	v, err := l.rdb.Get(ctx, l.key+":holder").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lease %s: holder: %w", l.key, err)
	}
	return v, nil
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
