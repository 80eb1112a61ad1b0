package domain

import (
	"context"
	"errors"
	"fmt"
)

// Decider is an aggregate as pure functions: the state before any event,
// how a command turns into events given the state, and how an event changes
// the state. Decide never reads a clock or storage: time and facts from other
// aggregates come in on the command.
type Decider[S any, C any] struct {
	Initial func() S
	Decide  func(state S, cmd C) ([]Event, error)
	Evolve  func(state S, ev Event) S
	// Keep, when set, names this decider's states for an event log that
	// keeps folded states (StateKeeper), so a command on a long stream folds
	// only the events after the kept state. Set it only when Evolve never
	// changes memory its input state shares (slices, maps, pointers): a kept
	// state is the start of later folds, several at once.
	// domaintest.CheckKeepable tests that.
	Keep string
}

// Fold replays events onto the initial state.
func (d Decider[S, C]) Fold(events []Event) S {
	s := d.Initial()
	for _, ev := range events {
		s = d.Evolve(s, ev)
	}
	return s
}

// Command is what every command carries: its Meta (actor and instant).
type Command interface {
	CommandMeta() Meta
}

// CommandMeta lets a command embed Meta and satisfy Command.
func (m Meta) CommandMeta() Meta { return m }

// Version is a stream's revision as the command handler sees it: the
// revision of its last event, or NoStream.
type Version int64

// NoStream is the version of a stream that has no events.
const NoStream Version = -1

// Loaded is a stream read for folding.
type Loaded struct {
	Events  []Envelope
	Version Version
	// Epoch is the log's decoding epoch when it read the events: decoding
	// can change (a destroyed key culls sealed text), so a StateKeeper
	// keeps a folded state only while the epochs it was folded in last.
	// Epochs only grow.
	Epoch uint64
}

// Appended is what an append returned.
type Appended struct {
	Version  Version
	Position string // opaque global position, for consistency tokens
}

// ErrVersionConflict is returned (wrapped) by EventLog.Append when the stream
// is not at the expected version.
var ErrVersionConflict = errors.New("stream version conflict")

// EventLog is the part of the event store a command handler needs. The
// eventstore package adapts its Store to it; tests use an in-memory one.
type EventLog interface {
	// Load reads a whole stream; a missing stream is Version NoStream.
	Load(ctx context.Context, stream string) (Loaded, error)
	// Append writes events when the stream is at expected, or fails with an
	// error wrapping ErrVersionConflict.
	Append(ctx context.Context, stream string, expected Version, meta Meta, events []Event) (Appended, error)
}

// StateKeeper is an EventLog that keeps states folded by deciders with a
// Keep name. Streams only grow, so a kept state and the events after it fold
// into the current state.
type StateKeeper interface {
	EventLog
	// KeptState returns the state kept for decider kind and stream, and
	// the version and epoch it was folded at (at holds no events).
	KeptState(kind, stream string) (state any, at Loaded, ok bool)
	// KeepState offers a state folded up to at.Version in epoch at.Epoch.
	KeepState(kind, stream string, state any, at Loaded)
	// LoadAfter reads the stream's events after version after; Version is
	// the stream's version (after itself when nothing follows).
	LoadAfter(ctx context.Context, stream string, after Version) (Loaded, error)
}

// fold returns the stream's current state folded by d: from a kept state
// when the log keeps d's states, otherwise from the whole stream.
func fold[S any, C any](ctx context.Context, log EventLog, d Decider[S, C], stream string) (S, Version, error) {
	keeper, keeps := log.(StateKeeper)
	keeps = keeps && d.Keep != ""
	s, from := d.Initial(), Loaded{Version: NoStream}
	var loaded Loaded
	var err error
	if keeps {
		if kept, at, ok := keeper.KeptState(d.Keep, stream); ok {
			if ks, ok := kept.(S); ok {
				s, from = ks, at
			}
		}
		loaded, err = keeper.LoadAfter(ctx, stream, from.Version)
	} else {
		loaded, err = log.Load(ctx, stream)
	}
	if err != nil {
		var zero S
		return zero, NoStream, err
	}
	for _, env := range loaded.Events {
		s = d.Evolve(s, env.Event)
	}
	if keeps && loaded.Version != from.Version {
		epoch := loaded.Epoch
		if from.Version != NoStream {
			epoch = min(epoch, from.Epoch) // the kept part was decoded then
		}
		keeper.KeepState(d.Keep, stream, s, Loaded{Version: loaded.Version, Epoch: epoch})
	}
	return s, loaded.Version, nil
}

// After returns the loaded stream without its events up to and including
// version v (for a StateKeeper's LoadAfter over a plain Load).
func (l Loaded) After(v Version) Loaded {
	i := 0
	for i < len(l.Events) && Version(l.Events[i].Revision) <= v {
		i++
	}
	l.Events = l.Events[i:]
	l.Version = max(l.Version, v)
	return l
}

// HandleOptions tune one command execution.
type HandleOptions[C any] struct {
	// IfMatch, when set, requires the stream to be at this version before
	// deciding (HTTP If-Match); a mismatch is CodePreconditionFailed.
	IfMatch *Version
	// Retries is how often a concurrency conflict re-runs the command. Use it
	// only for commands whose outcome does not depend on what changed.
	Retries int
	// Prepare loads facts from other aggregates into the command before each
	// attempt, so a retry decides on fresh facts.
	Prepare func(ctx context.Context, cmd C) (C, error)
}

// Result is what a handled command produced.
type Result struct {
	Events   []Event
	Version  Version // the stream's version after the command
	Position string  // global position of the last appended event; "" when nothing was appended
}

// Handle runs one command against one stream: fold, decide, append with the
// expected version, retry on conflict when allowed, return.
func Handle[S any, C Command](ctx context.Context, log EventLog, d Decider[S, C], stream string, cmd C, opts HandleOptions[C]) (Result, error) {
	for attempt := 0; ; attempt++ {
		// 1. Load the facts the decision needs from other streams.
		c := cmd
		if opts.Prepare != nil {
			var err error
			if c, err = opts.Prepare(ctx, cmd); err != nil {
				return Result{}, err
			}
		}
		// 2. Fold the aggregate's own stream into its state.
		state, version, err := fold(ctx, log, d, stream)
		if err != nil {
			return Result{}, fmt.Errorf("load %s: %w", stream, err)
		}
		// 3. A conditional write fails before deciding when the stream moved.
		if opts.IfMatch != nil && *opts.IfMatch != version {
			return Result{Version: version}, PreconditionFailed(
				"the record is at revision %d, not %d: reload it and apply your change again", version, *opts.IfMatch)
		}
		// 4. Decide: pure, may refuse.
		events, err := d.Decide(state, c)
		if err != nil {
			return Result{Version: version}, err
		}
		if len(events) == 0 {
			return Result{Version: version}, nil
		}
		// 5. Append, expecting exactly the version we decided on.
		app, err := log.Append(ctx, stream, version, c.CommandMeta(), events)
		if err == nil {
			return Result{Events: events, Version: app.Version, Position: app.Position}, nil
		}
		if !errors.Is(err, ErrVersionConflict) {
			return Result{}, fmt.Errorf("append to %s: %w", stream, err)
		}
		// 6. Someone else wrote first: re-run only when allowed.
		if opts.IfMatch != nil {
			return Result{}, PreconditionFailed("the record changed while saving: reload it and apply your change again")
		}
		if attempt >= opts.Retries {
			return Result{}, &Error{Code: CodeConflict, Message: "the record was changed by someone else: reload it and try again", Err: err}
		}
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
	}
}
