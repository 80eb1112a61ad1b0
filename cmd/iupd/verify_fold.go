package main

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// streamKind is one kind of stream (a stream category) and the aggregate
// whose decider folds it.
type streamKind struct {
	category string
	// pkg is the Go package of the aggregate: every event in its streams
	// must come from it, or Evolve would silently skip the event.
	pkg string
	// fold returns a fresh folder: it evolves the aggregate's state one
	// event at a time (panics propagate to the caller).
	fold func() func(domain.Event)
}

// kind derives a stream kind from one of the domain's stream-name helpers
// (so the category is never spelled twice) and its decider.
func kind[S, C any](sample string, d domain.Decider[S, C]) streamKind {
	return streamKind{
		category: categoryOf(sample),
		pkg:      reflect.TypeFor[S]().PkgPath(),
		fold: func() func(domain.Event) {
			state := d.Initial()
			return func(ev domain.Event) { state = d.Evolve(state, ev) }
		},
	}
}

// streamKinds maps each stream category to its aggregate. A stream kind
// added to the domain must be added here, or verify reports its streams as
// of unknown kind.
func streamKinds() map[string]streamKind {
	const t, id = "t", "x"
	term := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	out := map[string]streamKind{}
	for _, k := range []streamKind{
		kind(setup.OrganiserStream(t), setup.OrganiserDecider),
		kind(setup.SchoolYearStream(t, id), setup.SchoolYearDecider),
		kind(setup.ScaleStream(t, id), setup.ScaleDecider),
		kind(setup.TemplateStream(t, id), setup.TemplateDecider),
		kind(setup.SchoolStream(t, id), setup.SchoolDecider),
		kind(roster.StudentStream(t, id), roster.StudentDecider),
		kind(roster.StaffStream(t, id), roster.StaffDecider),
		kind(roster.GuardianStream(t, id), roster.GuardianDecider),
		kind(roster.CourseStream(t, id), roster.CourseDecider),
		kind(assessment.RoundStream(t, id), assessment.RoundDecider),
		kind(assessment.EntryStream(t, id, id), assessment.EntryDecider),
		kind(assessment.StudentTermStream(t, id, term), assessment.StudentTermDecider),
		kind(plan.Stream(t, id, term), plan.Decider),
		kind(conference.Stream(t, id), conference.Decider),
		kind(risk.Stream(t, id, "MA"), risk.Decider),
		kind(retention.ScheduleStream(t), retention.ScheduleDecider),
		kind(retention.StudentStream(t, id), retention.StudentDecider),
	} {
		if _, dup := out[k.category]; dup {
			panic("verify: stream category registered twice: " + k.category)
		}
		out[k.category] = k
	}
	return out
}

// verifyKinds is the registry verify uses (tests swap in a faulty one).
var verifyKinds = streamKinds

// categoryOf is the part of a stream name before its first '-'.
func categoryOf(stream string) string {
	c, _, _ := strings.Cut(stream, "-")
	return c
}

// tenantOf is the tenant part of a stream name (category-tenant.id); ids
// never contain '.', so the tenant ends at the first one.
func tenantOf(stream string) string {
	_, rest, ok := strings.Cut(stream, "-")
	if !ok {
		return ""
	}
	t, _, _ := strings.Cut(rest, ".")
	return t
}

// streamFold folds one stream event by event, turning a panic in Evolve or
// an event from another aggregate into a problem instead of a crash.
type streamFold struct {
	kind   streamKind
	evolve func(domain.Event)
	broken bool // a problem was found: later events are not folded
}

func newStreamFold(k streamKind) *streamFold { return &streamFold{kind: k, evolve: k.fold()} }

// apply folds ev; it returns the kind and detail of a problem, or "".
func (f *streamFold) apply(ev domain.Event) (problem, detail string) {
	if f.broken {
		return "", ""
	}
	if pkg := reflect.TypeOf(ev).PkgPath(); pkg != f.kind.pkg {
		f.broken = true
		return "foreign-event", fmt.Sprintf("%s belongs to %s, not to this stream's aggregate", ev.EventType(), pkg)
	}
	defer func() {
		if r := recover(); r != nil {
			f.broken = true
			problem, detail = "fold-panic", fmt.Sprintf("Evolve panicked on %s: %v", ev.EventType(), r)
		}
	}()
	f.evolve(ev)
	return "", ""
}
