// Package catalog registers every aggregate's events: import it for its
// side effect wherever stored events are decoded (the service, the
// projector, the verifier), so no event type is ever unknown there.
package catalog

import (
	"github.com/iup-platform/iup/domain"
	_ "github.com/iup-platform/iup/domain/assessment" // skriftliga omdömen
	_ "github.com/iup-platform/iup/domain/conference" // utvecklingssamtal
	_ "github.com/iup-platform/iup/domain/plan"       // IUP
	_ "github.com/iup-platform/iup/domain/retention"  // gallring and erasure
	_ "github.com/iup-platform/iup/domain/risk"       // risk signals
	_ "github.com/iup-platform/iup/domain/roster"
	_ "github.com/iup-platform/iup/domain/setup"
)

// Events is the registry with every event type of the product.
var Events = domain.Events
