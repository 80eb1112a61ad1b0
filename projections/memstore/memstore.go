// Package memstore is the in-memory read-model store of the embedded
// default: views are rebuilt from the event log at start.
package memstore

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// Store implements projections.Store under one lock, so a batch and its
// checkpoint become visible together.
type Store struct {
	mu     sync.RWMutex
	spaces map[projections.Namespace]*space
	active map[string]projections.Namespace
}

type space struct {
	docs       map[string][]byte
	checkpoint eventstore.Position
	applied    bool
}

var _ projections.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{spaces: map[projections.Namespace]*space{}, active: map[string]projections.Namespace{}}
}

func (s *Store) space(ns projections.Namespace) *space {
	sp, ok := s.spaces[ns]
	if !ok {
		sp = &space{docs: map[string][]byte{}}
		s.spaces[ns] = sp
	}
	return sp
}

// Get implements projections.Store.
func (s *Store) Get(_ context.Context, ns projections.Namespace, keys ...string) ([][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([][]byte, len(keys))
	if sp, ok := s.spaces[ns]; ok {
		for i, k := range keys {
			if v, ok := sp.docs[k]; ok {
				// The stored bytes themselves (Store.Get): Apply replaces a
				// document's slice, never writes into it. Clipped, so an
				// append by a reader cannot reach past them.
				out[i] = slices.Clip(v)
			}
		}
	}
	return out, nil
}

// Checkpoint implements projections.Store.
func (s *Store) Checkpoint(_ context.Context, ns projections.Namespace) (eventstore.Position, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sp, ok := s.spaces[ns]
	if !ok || !sp.applied {
		return eventstore.Start, false, nil
	}
	return sp.checkpoint, true, nil
}

// Apply implements projections.Store. The fence is not checked: the embedded
// store lives and dies with its only projector.
func (s *Store) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, _ projections.Fence) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	if (sp.applied && sp.checkpoint != from) || (!sp.applied && !from.IsStart()) {
		return projections.ErrCheckpointMoved
	}
	for _, c := range changes {
		if c.Value == nil {
			delete(sp.docs, c.Key)
			continue
		}
		sp.docs[c.Key] = c.Value // the caller hands it over (Store.Apply); readers share it
	}
	sp.checkpoint, sp.applied = to, true
	return nil
}

// Scan implements projections.Store.
func (s *Store) Scan(ctx context.Context, ns projections.Namespace, prefix string, fn func(string, []byte) error) error {
	s.mu.RLock()
	sp, ok := s.spaces[ns]
	var keys []string
	if ok {
		for k := range sp.docs {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
	}
	s.mu.RUnlock()
	sort.Strings(keys)
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		vals, _ := s.Get(ctx, ns, k)
		if vals[0] == nil {
			continue // deleted since the listing
		}
		if err := fn(k, vals[0]); err != nil {
			return err
		}
	}
	return nil
}

// Drop implements projections.Store.
func (s *Store) Drop(_ context.Context, ns projections.Namespace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.spaces, ns)
	return nil
}

// Active implements projections.Store.
func (s *Store) Active(_ context.Context, name string) (projections.Namespace, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.active[name], nil
}

// SetActive implements projections.Store.
func (s *Store) SetActive(_ context.Context, name string, ns projections.Namespace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active[name] = ns
	return nil
}
