package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers/export"
	"github.com/iup-platform/iup/projections/views"
)

// exportStudent serves GET /v1/students/{student_id}/export: everything
// stored about one student (right of access), as JSON or, with
// ?format=html, as a readable self-contained document. Organiser admins
// only; everyone else gets the 404 of a record that does not exist. The
// export itself is written to the access log before it is read, so it
// lists itself.
func (a *API) exportStudent(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	q := &query{r: r, w: w, a: a, Now: a.now().UTC()}
	body, err := a.runRead(q, func(ctx context.Context, q *query) (any, error) {
		if format != "json" && format != "html" {
			return nil, badQuery("format", "must be json or html")
		}
		return a.buildExport(ctx, q)
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	x := body.(*export.Record)
	w.Header().Set("Cache-Control", "no-store")
	if format == "json" {
		writeJSON(w, http.StatusOK, x)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// No script, style or image from anywhere else may load into it.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(http.StatusOK)
	if err := x.Write(w, "html"); err != nil {
		a.logger.ErrorContext(r.Context(), "export: writing the document failed", "err", err)
	}
}

// exportSources is what an export needs of the store beyond the API's
// ports; the event store and the domain log of a running service have it.
type exportSources struct {
	log export.LogReader
	dec interface {
		Decode(ctx context.Context, rec eventstore.RecordedEvent) (domain.Envelope, error)
	}
}

// envelopeDecoder adapts the domain log's decoding to the export's.
type envelopeDecoder struct{ s exportSources }

func (d envelopeDecoder) Decode(ctx context.Context, rec eventstore.RecordedEvent) (domain.Event, bool, error) {
	env, err := d.s.dec.Decode(ctx, rec)
	return env.Event, env.Culled, err
}

func (a *API) buildExport(ctx context.Context, q *query) (*export.Record, error) {
	id, err := q.Var("student_id")
	if err != nil {
		return nil, err
	}
	who := principal(q.r)
	if who.Role != domain.RoleAdmin {
		return nil, hidden
	}
	if err := allowed(a.reads.policy.Student(ctx, who, id, q.Day)); err != nil {
		return nil, err
	}
	var src exportSources
	var ok1, ok2 bool
	src.log, ok1 = a.streams.(export.LogReader)
	src.dec, ok2 = a.log.(interface {
		Decode(ctx context.Context, rec eventstore.RecordedEvent) (domain.Envelope, error)
	})
	if !ok1 || !ok2 {
		return nil, errors.New("export: the event store cannot be read in order here")
	}
	a.logRead(q, "export", id, id)
	x := export.New(who.Tenant, id, q.Now)
	if err := x.CollectEvents(ctx, src.log, envelopeDecoder{src}); err != nil {
		return nil, err
	}
	if err := x.CollectDocs(ctx, a.views, views.Names()); err != nil {
		return nil, err
	}
	if err := a.reads.access.Flush(ctx); err != nil {
		return nil, fmt.Errorf("flush the access log: %w", err)
	}
	entries, err := a.reads.access.sink.Read(ctx, who.Tenant, id, math.MaxInt32)
	if err != nil {
		return nil, fmt.Errorf("export: read the access log: %w", err)
	}
	x.AccessLog = append(x.AccessLog, ExportAccess(entries)...)
	return x, nil
}
