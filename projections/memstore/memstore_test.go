package memstore

import (
	"testing"

	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Backend{New: func(*testing.T) projections.Store { return New() }})
}
