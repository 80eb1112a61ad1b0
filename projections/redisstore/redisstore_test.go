package redisstore

import (
	"context"
	"testing"

	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/storetest"
)

// The contract suite against the private redis-server of the test harness.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		New: func(t *testing.T) projections.Store {
			return New(redistest.Client(t), redistest.Namespace(t))
		},
		SetLease: func(t *testing.T, s projections.Store, key, token string) {
			if err := s.(*Store).rdb.Set(context.Background(), key, token, 0).Err(); err != nil {
				t.Fatal(err)
			}
		},
	})
}
