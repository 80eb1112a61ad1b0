package domain_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
)

// A counter aggregate small enough to exercise the shared handler.
type added struct {
	N int `json:"n"`
}

func (added) EventType() string { return "test.added" }

type add struct {
	domain.Meta
	N     int
	Limit int // a fact loaded by Prepare
}

var counter = domain.Decider[int, add]{
	Initial: func() int { return 0 },
	Decide: func(s int, c add) ([]domain.Event, error) {
		if c.N == 0 {
			return nil, nil
		}
		if c.Limit > 0 && s+c.N > c.Limit {
			return nil, domain.RuleViolated("the sum would pass %d", c.Limit)
		}
		return []domain.Event{added{N: c.N}}, nil
	},
	Evolve: func(s int, e domain.Event) int { return s + e.(added).N },
}

var keptCounter = func() domain.Decider[int, add] { d := counter; d.Keep = "test.counter"; return d }()

var meta = domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "u1", Role: domain.RoleAdmin}, Now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}

func TestHandle(t *testing.T) {
	ctx := context.Background()

	t.Run("a decided event is appended and the new version returned", func(t *testing.T) {
		log := domaintest.NewMemLog()
		res, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta, N: 2}, domain.HandleOptions[add]{})
		if err != nil || res.Version != 0 || res.Position == "" || len(res.Events) != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
		if got := log.Stream("c-1"); len(got) != 1 || got[0].Actor.ID != "u1" || !got[0].RecordedAt.Equal(meta.Now) {
			t.Fatalf("stream = %+v", got)
		}
	})

	t.Run("a command that changes nothing appends nothing", func(t *testing.T) {
		log := domaintest.NewMemLog()
		res, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta}, domain.HandleOptions[add]{})
		if err != nil || res.Version != domain.NoStream || res.Position != "" {
			t.Fatalf("got %+v, %v", res, err)
		}
	})

	t.Run("a refusal is returned unchanged and nothing is written", func(t *testing.T) {
		log := domaintest.NewMemLog()
		_, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta, N: 5, Limit: 3}, domain.HandleOptions[add]{})
		if !domain.IsCode(err, domain.CodeRuleViolated) || len(log.Stream("c-1")) != 0 {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("If-Match on a moved stream fails as a precondition", func(t *testing.T) {
		log := domaintest.NewMemLog()
		log.Put("c-1", meta.Now, meta.Actor, added{N: 1}, added{N: 1})
		v := domain.Version(0)
		res, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta, N: 1}, domain.HandleOptions[add]{IfMatch: &v})
		if !domain.IsCode(err, domain.CodePreconditionFailed) || res.Version != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
	})

	t.Run("a conflict is retried with fresh facts when retries are allowed", func(t *testing.T) {
		log := domaintest.NewMemLog()
		prepared := 0
		log.BeforeAppend = func(s string) { log.Put(s, meta.Now, meta.Actor, added{N: 10}) }
		res, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta, N: 1}, domain.HandleOptions[add]{
			Retries: 2,
			Prepare: func(_ context.Context, c add) (add, error) { prepared++; return c, nil },
		})
		if err != nil || res.Version != 1 || prepared != 2 {
			t.Fatalf("got %+v, %v, prepared %d times", res, err, prepared)
		}
	})

	t.Run("a conflict without retries is a conflict error", func(t *testing.T) {
		log := domaintest.NewMemLog()
		log.BeforeAppend = func(s string) { log.Put(s, meta.Now, meta.Actor, added{N: 10}) }
		_, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta, N: 1}, domain.HandleOptions[add]{})
		if !domain.IsCode(err, domain.CodeConflict) || !errors.Is(err, domain.ErrVersionConflict) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a conflict under If-Match is a precondition failure, not a retry", func(t *testing.T) {
		log := domaintest.NewMemLog()
		log.BeforeAppend = func(s string) { log.Put(s, meta.Now, meta.Actor, added{N: 10}) }
		v := domain.NoStream
		_, err := domain.Handle(ctx, log, counter, "c-1", add{Meta: meta, N: 1}, domain.HandleOptions[add]{IfMatch: &v, Retries: 3})
		if !domain.IsCode(err, domain.CodePreconditionFailed) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a failing fact load stops the command", func(t *testing.T) {
		boom := errors.New("facts unavailable")
		_, err := domain.Handle(ctx, domaintest.NewMemLog(), counter, "c-1", add{Meta: meta, N: 1}, domain.HandleOptions[add]{
			Prepare: func(context.Context, add) (add, error) { return add{}, boom },
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a log that keeps states folds only the events after the kept state", func(t *testing.T) {
		log := domaintest.NewKeepingLog()
		kept := keptCounter
		log.Put("c-1", meta.Now, meta.Actor, added{N: 1}, added{N: 2})
		if s, v, err := domain.Load(ctx, log, kept, "c-1"); err != nil || s != 3 || v != 1 || log.Hits != 0 {
			t.Fatalf("first load: %d at %d, %v, %d hits", s, v, err, log.Hits)
		}
		// Written behind the keeper's back: the kept state is older than
		// the stream, and only the newer events are folded onto it.
		log.Put("c-1", meta.Now, meta.Actor, added{N: 4})
		if s, v, err := domain.Load(ctx, log, kept, "c-1"); err != nil || s != 7 || v != 2 || log.Hits != 1 {
			t.Fatalf("second load: %d at %d, %v, %d hits", s, v, err, log.Hits)
		}
		// A racing write makes the first attempt conflict; the retry starts
		// from the kept state and folds the racing event too.
		log.BeforeAppend = func(s string) { log.Put(s, meta.Now, meta.Actor, added{N: 10}) }
		res, err := domain.Handle(ctx, log, kept, "c-1", add{Meta: meta, N: 1, Limit: 18}, domain.HandleOptions[add]{Retries: 1})
		if err != nil || res.Version != 4 {
			t.Fatalf("got %+v, %v", res, err)
		}
		if s, v, _ := domain.Load(ctx, log, kept, "c-1"); s != 18 || v != 4 {
			t.Fatalf("sum = %d at %d, want 18 at 4", s, v)
		}
		// A decider without a Keep name always folds the whole stream.
		hits := log.Hits
		if s, _, _ := domain.Load(ctx, log, counter, "c-1"); s != 18 || log.Hits != hits {
			t.Fatalf("sum = %d with %d new hits", s, log.Hits-hits)
		}
	})

	t.Run("After leaves the events past a version", func(t *testing.T) {
		log := domaintest.NewMemLog()
		log.Put("c-1", meta.Now, meta.Actor, added{N: 1}, added{N: 2}, added{N: 3})
		loaded, _ := log.Load(ctx, "c-1")
		for _, tc := range []struct {
			after     domain.Version
			revisions []uint64
			version   domain.Version
		}{{domain.NoStream, []uint64{0, 1, 2}, 2}, {0, []uint64{1, 2}, 2}, {2, nil, 2}, {5, nil, 5}} {
			got := loaded.After(tc.after)
			var revs []uint64
			for _, env := range got.Events {
				revs = append(revs, env.Revision)
			}
			if !slices.Equal(revs, tc.revisions) || got.Version != tc.version {
				t.Errorf("After(%d) = %v at %d, want %v at %d", tc.after, revs, got.Version, tc.revisions, tc.version)
			}
		}
		if len(loaded.Events) != 3 {
			t.Fatalf("After changed the stream it was called on: %d events", len(loaded.Events))
		}
	})

	t.Run("a kept state of another decider's type is not used", func(t *testing.T) {
		log := domaintest.NewKeepingLog()
		log.Put("c-1", meta.Now, meta.Actor, added{N: 5})
		log.KeepState(keptCounter.Keep, "c-1", "not an int", domain.Loaded{Version: 0})
		if s, v, err := domain.Load(ctx, log, keptCounter, "c-1"); err != nil || s != 5 || v != 0 {
			t.Fatalf("got %d at %d, %v", s, v, err)
		}
	})

	t.Run("Load folds another aggregate for facts", func(t *testing.T) {
		log := domaintest.NewMemLog()
		log.Put("c-2", meta.Now, meta.Actor, added{N: 4}, added{N: 3})
		s, v, err := domain.Load(ctx, log, counter, "c-2")
		if err != nil || s != 7 || v != 1 {
			t.Fatalf("got %d at %d, %v", s, v, err)
		}
	})
}

type noteV2 struct {
	Text string `json:"text" personal:"true"`
	Lang string `json:"lang"`
}

func (noteV2) EventType() string { return "test.note" }

func TestRegistry(t *testing.T) {
	r := domain.NewRegistry()
	domain.Register[noteV2](r, 2)
	r.RegisterUpcaster("test.note", 1, func(raw json.RawMessage) (json.RawMessage, error) {
		var v1 struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(raw, &v1); err != nil {
			return nil, err
		}
		return json.Marshal(noteV2{Text: v1.Body, Lang: "sv"})
	})

	t.Run("a version-1 payload is upcast to the current type", func(t *testing.T) {
		ev, err := r.Decode("test.note", 1, []byte(`{"body":"Läser flytande"}`))
		if err != nil || ev != (noteV2{Text: "Läser flytande", Lang: "sv"}) {
			t.Fatalf("got %#v, %v", ev, err)
		}
	})
	t.Run("the current version round-trips", func(t *testing.T) {
		data, v, err := r.Encode(noteV2{Text: "å", Lang: "sv"})
		if err != nil || v != 2 {
			t.Fatalf("encode: %v %d", err, v)
		}
		ev, err := r.Decode("test.note", v, data)
		if err != nil || ev != (noteV2{Text: "å", Lang: "sv"}) {
			t.Fatalf("got %#v, %v", ev, err)
		}
	})
	t.Run("unknown types, future versions and bad JSON are errors", func(t *testing.T) {
		for name, call := range map[string]func() error{
			"unknown type":   func() error { _, err := r.Decode("test.nope", 1, []byte(`{}`)); return err },
			"future version": func() error { _, err := r.Decode("test.note", 3, []byte(`{}`)); return err },
			"version zero":   func() error { _, err := r.Decode("test.note", 0, []byte(`{}`)); return err },
			"bad json":       func() error { _, err := r.Decode("test.note", 2, []byte(`{`)); return err },
			"bad v1 json":    func() error { _, err := r.Decode("test.note", 1, []byte(`[`)); return err },
			"encode unknown": func() error { _, _, err := r.Encode(added{}); return err },
		} {
			if call() == nil {
				t.Errorf("%s: want an error", name)
			}
		}
	})
	t.Run("a missing upcaster is an error", func(t *testing.T) {
		r2 := domain.NewRegistry()
		domain.Register[noteV2](r2, 2)
		if _, err := r2.Decode("test.note", 1, []byte(`{}`)); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("types are listed and versions known", func(t *testing.T) {
		if got := r.Types(); len(got) != 1 || got[0] != "test.note" {
			t.Fatalf("types = %v", got)
		}
		if v, ok := r.Version("test.note"); !ok || v != 2 {
			t.Fatalf("version = %d %v", v, ok)
		}
		if _, ok := r.GoType("test.note"); !ok {
			t.Fatal("go type missing")
		}
	})
	t.Run("registering a type twice panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("want a panic")
			}
		}()
		domain.Register[noteV2](r, 2)
	})
}

func TestIDs(t *testing.T) {
	for _, id := range []string{"elev-17", "01JAB3Q2", "course_MA_7b"} {
		if err := domain.CheckID("id", id); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for _, id := range []string{"", "a b", "../x", "890101-1234", "198901011234", "8901011234", "19890101-1234", string(make([]byte, 65))} {
		if err := domain.CheckID("id", id); !domain.IsCode(err, domain.CodeInvalid) {
			t.Errorf("%q accepted", id)
		}
	}
	if got := domain.StreamName("plan", "t1", "p1"); got != "plan-t1.p1" {
		t.Fatalf("stream name %q", got)
	}
}

func TestDatesAndTerms(t *testing.T) {
	loc, err := domain.Location("")
	if err != nil {
		t.Fatal(err)
	}
	d := domain.MustDate("2026-12-20")
	if !d.End(loc).Equal(time.Date(2026, 12, 20, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("end of 20 Dec in Stockholm = %v", d.End(loc))
	}
	if got := domain.DateOf(time.Date(2026, 12, 20, 23, 30, 0, 0, time.UTC), loc); got != domain.MustDate("2026-12-21") {
		t.Fatalf("date of 23:30 UTC = %v", got)
	}
	if !d.Before(d.AddDays(1)) || !d.AddDays(12).After(d) || d.Compare(d) != 0 || d.AddDays(12).String() != "2027-01-01" {
		t.Fatal("comparisons")
	}
	var back struct{ D, Z domain.Date }
	b, _ := json.Marshal(struct{ D, Z domain.Date }{D: d})
	if string(b) != `{"D":"2026-12-20","Z":null}` || json.Unmarshal(b, &back) != nil || back.D != d || !back.Z.IsZero() {
		t.Fatalf("json %s -> %+v", b, back)
	}
	for _, bad := range []string{`"2026-13-01"`, `"20261220"`, `12`, `"2026-02-30"`, `""`, `"-"`, `"2026-12-20\n"`} {
		if json.Unmarshal([]byte(bad), &back.D) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// An escaped string (the decoder's path) reads as the plain one.
	if json.Unmarshal([]byte(`"\u0032026-12-20"`), &back.D) != nil || back.D != d {
		t.Errorf("escaped date -> %+v", back.D)
	}
	if _, err := domain.Location("Mars/Olympus"); !domain.IsCode(err, domain.CodeInvalid) {
		t.Fatal("unknown zone accepted")
	}
	tr, err := domain.ParseTermRef("2026-2027:HT")
	if err != nil || tr != (domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}) || tr.String() != "2026-2027:HT" {
		t.Fatalf("term %+v %v", tr, err)
	}
	for _, bad := range []string{"2026", "2026:XT", ":HT", "a b:VT"} {
		if _, err := domain.ParseTermRef(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestErrors(t *testing.T) {
	err := domain.Invalid("level", "must be a step of the scale")
	if err.Error() != "level: must be a step of the scale" || domain.ErrorCode(errors.New("x")) != "" {
		t.Fatal(err.Error())
	}
	wrapped := &domain.Error{Code: domain.CodeConflict, Message: "m", Err: errors.New("cause")}
	if wrapped.Error() != "m: cause" || !errors.Is(wrapped, wrapped.Err) {
		t.Fatal(wrapped.Error())
	}
	for code, e := range map[domain.Code]error{
		domain.CodeNotFound: domain.NotFound("x"), domain.CodeForbidden: domain.Forbidden("x"),
		domain.CodeConflict: domain.Conflict("x"), domain.CodeRuleViolated: domain.RuleViolated("x"),
		domain.CodePreconditionFailed: domain.PreconditionFailed("x"),
	} {
		if !domain.IsCode(e, code) {
			t.Errorf("%s", code)
		}
	}
	for _, r := range domain.Roles {
		if !r.Valid() {
			t.Errorf("%s", r)
		}
	}
	if domain.Role("janitor").Valid() {
		t.Fatal("unknown role valid")
	}
}

// A list aggregate whose Evolve appends in place: two folds from one kept
// state write into the same array, so its states must not be kept.
type listed struct {
	Item string `json:"item"`
}

func (listed) EventType() string { return "test.listed" }

func listDecider(evolve func(s []string, e domain.Event) []string) domain.Decider[[]string, add] {
	return domain.Decider[[]string, add]{
		Initial: func() []string { return make([]string, 0, 8) },
		Decide:  func([]string, add) ([]domain.Event, error) { return nil, nil },
		Evolve:  evolve,
		Keep:    "test.list",
	}
}

func TestKeepable(t *testing.T) {
	events := []domain.Event{listed{"a"}, listed{"b"}, listed{"c"}, listed{"d"}}
	inPlace := listDecider(func(s []string, e domain.Event) []string { return append(s, e.(listed).Item) })
	if err := domaintest.Keepable(inPlace, events); err == nil {
		t.Fatal("a decider appending into its state's spare capacity passed as keepable")
	}
	sorting := listDecider(func(s []string, e domain.Event) []string {
		slices.Reverse(s) // changes the array the kept state shares
		return append(slices.Clip(s), e.(listed).Item)
	})
	if err := domaintest.Keepable(sorting, events); err == nil {
		t.Fatal("a decider reordering its state in place passed as keepable")
	}
	copying := listDecider(func(s []string, e domain.Event) []string { return append(slices.Clip(s), e.(listed).Item) })
	domaintest.CheckKeepable(t, copying, events)
	domaintest.CheckKeepable(t, keptCounter, []domain.Event{added{1}, added{2}, added{3}})
}
