package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections/views"
)

// lagSeries reads the projection lag gauges from a /metrics body:
// series name -> projection -> value.
func lagSeries(t *testing.T, body string) map[string]map[string]float64 {
	t.Helper()
	out := map[string]map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		for _, series := range []string{"iup_projection_lag_events", "iup_projection_lag_seconds"} {
			rest, ok := strings.CutPrefix(line, series+`{projection="`)
			if !ok {
				continue
			}
			name, value, ok := strings.Cut(rest, `"} `)
			if !ok {
				t.Fatalf("unexpected series line %q", line)
			}
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("series line %q: %v", line, err)
			}
			if out[series] == nil {
				out[series] = map[string]float64{}
			}
			out[series][name] = v
		}
	}
	return out
}

// `iupd serve` exposes every view's distance from the head of the log, in
// events and in seconds, at /metrics, one series per view, reading zero
// once the views have caught up (the runtime's own tests show the
// distances while a view is behind).
func TestMetricsShowEveryViewsLag(t *testing.T) {
	m := startMain(t)
	ctx := context.Background()
	codec, _, err := openCodec(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	admin := domain.Meta{Actor: domain.Actor{Tenant: "kommun", ID: "admin", Role: domain.RoleAdmin}, Now: time.Now()}
	app, err := eventstore.NewDomainLog(m.store, codec).Append(ctx, roster.StaffStream("kommun", "m1"), domain.NoStream, admin,
		[]domain.Event{roster.StaffRegistered{StaffID: "m1", DisplayName: "Mentor"}})
	if err != nil {
		t.Fatal(err)
	}
	pos, err := eventstore.ParsePosition(app.Position)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, p := range views.All() {
		if err := m.read.runtime.WaitFor(wctx, p.Name, pos); err != nil {
			t.Fatalf("%s never reached the append: %v", p.Name, err)
		}
	}
	// The gauges are refreshed every second: poll until they show the
	// views caught up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _, body := get(t, "http://"+m.Addr()+"/metrics")
		if code != 200 {
			t.Fatalf("/metrics = %d", code)
		}
		lag, missing := lagSeries(t, body), []string{}
		for _, p := range views.All() {
			for _, series := range []string{"iup_projection_lag_events", "iup_projection_lag_seconds"} {
				if v, ok := lag[series][p.Name]; !ok || v != 0 {
					missing = append(missing, series+"/"+p.Name+"="+strconv.FormatFloat(v, 'g', -1, 64))
				}
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics has no zero lag for %v", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
