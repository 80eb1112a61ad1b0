// Package redisstore keeps views in Redis: one hash per namespace, its
// checkpoint beside it, both changed by one Lua script so a batch of view
// changes and its checkpoint commit together (and are fenced together).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// Store implements projections.Store on Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ projections.Store = (*Store)(nil)

// New returns a store whose keys all start with prefix (e.g. "iup:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	if rdb == nil {
		panic("redisstore: New needs a client")
	}
	return &Store{rdb: rdb, prefix: prefix}
}

func (s *Store) docsKey(ns projections.Namespace) string { return s.prefix + "view:" + string(ns) }
func (s *Store) cpKey(ns projections.Namespace) string   { return s.prefix + "checkpoint:" + string(ns) }
func (s *Store) activeKey(name string) string            { return s.prefix + "active:" + name }

// apply checks the checkpoint and the fence, then writes: all in one
// script, which Redis runs atomically.
var apply = redis.NewScript(`
local cp = redis.call('GET', KEYS[2])
if ARGV[1] == '' then
  if cp then return 'moved' end
elseif cp ~= ARGV[1] then
  return 'moved'
end
if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then
  return 'fenced'
end
-- ARGV[4] is how many writes follow as key, value pairs; deletes' keys
-- come after them. Each key has one change (Apply keeps the last), so the
-- order of writes and deletes does not matter. They go straight from ARGV
-- in HSETs of 500 fields and HDELs of 500 keys: copying them into tables
-- first took about a tenth of Redis's time in a rebuild.
local last = 4 + 2 * tonumber(ARGV[4])
local i = 5
while i <= last do
  local j = math.min(i + 999, last)
  redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
while i <= #ARGV do
  local j = math.min(i + 499, #ARGV)
  redis.call('HDEL', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('SET', KEYS[2], ARGV[2])
return 'ok'
`)

// Apply implements projections.Store.
func (s *Store) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	fromArg := ""
	if !from.IsStart() {
		fromArg = from.String()
	}
	fenceKey := s.cpKey(ns) // unused when there is no token, but KEYS must name it
	if fence.Token != "" {
		fenceKey = fence.Key
	}
	// The last change of each key wins, as in order; what is left has
	// one change per key, writes first (see the script).
	last := make(map[string]int, len(changes))
	for i, c := range changes {
		last[c.Key] = i
	}
	args := make([]any, 4, 4+2*len(changes))
	args[0], args[1], args[2] = fromArg, to.String(), fence.Token
	var dels []any
	for i, c := range changes {
		switch {
		case last[c.Key] != i:
		case c.Value == nil:
			dels = append(dels, c.Key)
		default:
			args = append(args, c.Key, c.Value)
		}
	}
	args[3] = (len(args) - 4) / 2 // the writes' count
	args = append(args, dels...)
	res, err := apply.Run(ctx, s.rdb, []string{s.docsKey(ns), s.cpKey(ns), fenceKey}, args...).Text()
	if err != nil {
		return fmt.Errorf("redis apply to %s: %w", ns, err)
	}
	switch res {
	case "ok":
		return nil
	case "moved":
		return projections.ErrCheckpointMoved
	case "fenced":
		return projections.ErrFenced
	}
	return fmt.Errorf("redis apply to %s: unexpected answer %q", ns, res)
}

// Get implements projections.Store.
func (s *Store) Get(ctx context.Context, ns projections.Namespace, keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.docsKey(ns), keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("redis get from %s: %w", ns, err)
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i] = []byte(str)
		}
	}
	return out, nil
}

// Checkpoint implements projections.Store.
func (s *Store) Checkpoint(ctx context.Context, ns projections.Namespace) (eventstore.Position, bool, error) {
	v, err := s.rdb.Get(ctx, s.cpKey(ns)).Result()
	if errors.Is(err, redis.Nil) {
		return eventstore.Start, false, nil
	}
	if err != nil {
		return eventstore.Start, false, fmt.Errorf("redis checkpoint of %s: %w", ns, err)
	}
	p, err := eventstore.ParsePosition(v)
	if err != nil {
		return eventstore.Start, false, fmt.Errorf("checkpoint of %s: %w", ns, err)
	}
	return p, true, nil
}

// Scan implements projections.Store. Keys come back in order; a scan is
// for verification and rebuild comparison, not for serving requests.
func (s *Store) Scan(ctx context.Context, ns projections.Namespace, prefix string, fn func(string, []byte) error) error {
	var keys []string
	iter := s.rdb.HScan(ctx, s.docsKey(ns), 0, "", 1000).Iterator()
	vals := map[string]string{}
	for i := 0; iter.Next(ctx); i++ {
		if i%2 == 0 {
			keys = append(keys, iter.Val())
			continue
		}
		vals[keys[len(keys)-1]] = iter.Val()
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("redis scan of %s: %w", ns, err)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if err := fn(k, []byte(vals[k])); err != nil {
			return err
		}
	}
	return nil
}

// Drop implements projections.Store. UNLINK frees a large hash in the
// background instead of blocking Redis.
func (s *Store) Drop(ctx context.Context, ns projections.Namespace) error {
	if err := s.rdb.Unlink(ctx, s.docsKey(ns), s.cpKey(ns)).Err(); err != nil {
		return fmt.Errorf("redis drop %s: %w", ns, err)
	}
	return nil
}

// Active implements projections.Store.
func (s *Store) Active(ctx context.Context, name string) (projections.Namespace, error) {
	v, err := s.rdb.Get(ctx, s.activeKey(name)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("redis active view of %s: %w", name, err)
	}
	return projections.Namespace(v), nil
}

// SetActive implements projections.Store.
func (s *Store) SetActive(ctx context.Context, name string, ns projections.Namespace) error {
	if err := s.rdb.Set(ctx, s.activeKey(name), string(ns), 0).Err(); err != nil {
		return fmt.Errorf("redis switch %s: %w", name, err)
	}
	return nil
}
