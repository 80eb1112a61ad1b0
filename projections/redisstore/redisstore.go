// Package redisstore keeps views in Redis: one hash per namespace, its
// checkpoint beside it, both changed in one transaction so a batch of view
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

// Apply implements projections.Store: it watches the checkpoint (and the
// fencing key), checks them, and writes the batch and the new checkpoint
// in one MULTI/EXEC, which Redis runs only if neither changed since (an
// expiring lease counts as a change, Redis 6.0.9 and later).
//
// It used to be one Lua script. Redis copies a script's every argument
// into Lua strings before it runs, so a rebuild's documents were copied
// once more inside Redis; a transaction's queued HSETs are not. Redis's
// CPU for a rebuild of the sample organiser halved (BENCHMARKS.md).
func (s *Store) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	// The last change of each key wins, as in order; what is left has one
	// change per key, so writes and deletes may go in any order.
	last := make(map[string]int, len(changes))
	for i, c := range changes {
		last[c.Key] = i
	}
	writes := make([]any, 0, 2*len(changes))
	var dels []string
	for i, c := range changes {
		switch {
		case last[c.Key] != i:
		case c.Value == nil:
			dels = append(dels, c.Key)
		default:
			writes = append(writes, c.Key, c.Value)
		}
	}
	docs, cp := s.docsKey(ns), s.cpKey(ns)
	watched := []string{cp}
	if fence.Token != "" {
		watched = append(watched, fence.Key)
	}
	check := func(tx *redis.Tx) error {
		vals, err := tx.MGet(ctx, watched...).Result()
		if err != nil {
			return err
		}
		stored, ok := vals[0].(string)
		if ok == from.IsStart() || ok && stored != from.String() {
			return projections.ErrCheckpointMoved
		}
		if fence.Token != "" {
			if token, _ := vals[1].(string); token != fence.Token {
				return projections.ErrFenced
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			// HSETs of 500 fields and HDELs of 500 keys, as the script
			// had them: no one command holds a whole rebuild batch.
			for w := writes; len(w) > 0; {
				n := min(len(w), 1000)
				p.HSet(ctx, docs, w[:n]...)
				w = w[n:]
			}
			for d := dels; len(d) > 0; {
				n := min(len(d), 500)
				p.HDel(ctx, docs, d[:n]...)
				d = d[n:]
			}
			p.Set(ctx, cp, to.String(), 0)
			return nil
		})
		return err
	}
	// A watched key that changed aborts the transaction: check again,
	// which then says what changed (another writer, or the lease).
	for range 8 {
		err := s.rdb.Watch(ctx, check, watched...)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, redis.TxFailedErr):
			continue
		case errors.Is(err, projections.ErrCheckpointMoved), errors.Is(err, projections.ErrFenced):
			return err
		default:
			return fmt.Errorf("redis apply to %s: %w", ns, err)
		}
	}
	return fmt.Errorf("redis apply to %s: the checkpoint kept changing: %w", ns, projections.ErrCheckpointMoved)
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
