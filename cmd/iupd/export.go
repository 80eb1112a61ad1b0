package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
)

// studentExport is everything stored about one student (right of access,
// GDPR art. 15): the events that name them, decoded, with culled content
// marked; the views' documents that name them; and the access log.
type studentExport struct {
	Tenant      string        `json:"tenant"`
	Student     string        `json:"student"`
	GeneratedAt time.Time     `json:"generated_at"`
	Events      []exportEvent `json:"events"`
	Views       []exportDoc   `json:"views"`
	AccessLog   []exportEvent `json:"access_log"`
}

type exportEvent struct {
	Position   string          `json:"position"`
	Stream     string          `json:"stream"`
	Revision   uint64          `json:"revision"`
	Type       string          `json:"type"`
	RecordedAt time.Time       `json:"recorded_at"`
	ActorID    string          `json:"actor_id,omitempty"`
	ActorRole  string          `json:"actor_role,omitempty"`
	OnBehalfOf string          `json:"on_behalf_of,omitempty"`
	Culled     bool            `json:"culled"`
	Data       json.RawMessage `json:"data"`
}

type exportDoc struct {
	View     string          `json:"view"`
	Key      string          `json:"key"`
	Document json.RawMessage `json:"document"`
}

// mentions reports whether JSON value v holds id as a whole string value
// anywhere (a member, an array element), which is how every event and
// document refers to a person.
func mentions(raw []byte, id string) bool {
	if !bytes.Contains(raw, []byte(id)) {
		return false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			return x == id
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// collectEvents decodes every event of the tenant that names the student or
// was made by them.
func collectEvents(ctx context.Context, store eventstore.Store, codec eventstore.Codec, tenant, student string) (events, access []exportEvent, err error) {
	err = scanLog(ctx, store, func(rec eventstore.RecordedEvent) error {
		if rec.Metadata.Tenant != tenant || !(mentions(rec.Data, student) || rec.Metadata.ActorID == student) {
			return nil
		}
		ev, culled, err := codec.Decode(ctx, rec)
		if err != nil {
			return err
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		e := exportEvent{Position: rec.Position.String(), Stream: rec.Stream, Revision: rec.Revision, Type: rec.Type,
			RecordedAt: rec.Metadata.RecordedAt, ActorID: rec.Metadata.ActorID, ActorRole: rec.Metadata.ActorRole,
			OnBehalfOf: rec.Metadata.OnBehalfOf, Culled: culled, Data: data}
		if strings.HasPrefix(rec.Type, "access.") {
			access = append(access, e)
		} else {
			events = append(events, e)
		}
		return nil
	})
	return events, access, err
}

// collectDocs reads every view's documents that name the student.
func collectDocs(ctx context.Context, rs *readSide, student string) ([]exportDoc, error) {
	var out []exportDoc
	for _, p := range rs.views {
		rd, err := rs.runtime.Reader(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		err = rd.Scan(ctx, "", func(key string, value []byte) error {
			if mentions(value, student) || strings.Contains(key, student) {
				out = append(out, exportDoc{View: p.Name, Key: key, Document: bytes.Clone(value)})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", p.Name, err)
		}
	}
	return out, nil
}

// buildExport gathers the export, building the views from the log in
// memory (the same code the service runs).
func buildExport(ctx context.Context, store eventstore.Store, codec *shred.Codec, tenant, student string, now time.Time) (*studentExport, error) {
	x := &studentExport{Tenant: tenant, Student: student, GeneratedAt: now.UTC(), Events: []exportEvent{}, Views: []exportDoc{}, AccessLog: []exportEvent{}}
	events, access, err := collectEvents(ctx, store, codec, tenant, student)
	if err != nil {
		return nil, fmt.Errorf("export events: %w", err)
	}
	x.Events = append(x.Events, events...)
	x.AccessLog = append(x.AccessLog, access...)
	rs, err := startReadSide(ctx, store, codec, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	docs, err := collectDocs(ctx, rs, student)
	if cerr := rs.Close(); err == nil && cerr != nil && ctx.Err() == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("export views: %w", err)
	}
	x.Views = append(x.Views, docs...)
	return x, nil
}

var exportPage = template.Must(template.New("export").Funcs(template.FuncMap{
	"pretty": func(raw json.RawMessage) string {
		var b bytes.Buffer
		if json.Indent(&b, raw, "", "  ") != nil {
			return string(raw)
		}
		return b.String()
	},
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<title>Registerutdrag / Records of student {{.Student}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2em}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
pre{margin:0;white-space:pre-wrap;font-size:.85em}
.culled{color:#a00;font-weight:bold}
</style></head><body>
<h1>Registerutdrag: everything stored about student {{.Student}}</h1>
<p>Organiser (huvudman): {{.Tenant}}. Produced {{when .GeneratedAt}}.
Content marked <span class="culled">culled</span> was destroyed under the retention schedule or by erasure; the record that it existed remains.</p>
<h2>History ({{len .Events}} events)</h2>
<table><tr><th>Recorded</th><th>What</th><th>By</th><th>Content</th></tr>
{{range .Events}}<tr><td>{{when .RecordedAt}}</td><td>{{.Type}}<br><small>{{.Stream}} #{{.Revision}}</small></td>
<td>{{.ActorRole}} {{.ActorID}}{{if .OnBehalfOf}} for {{.OnBehalfOf}}{{end}}</td>
<td>{{if .Culled}}<span class="culled">culled</span>{{end}}<pre>{{pretty .Data}}</pre></td></tr>
{{end}}</table>
<h2>Views ({{len .Views}} documents)</h2>
<table><tr><th>View</th><th>Document</th></tr>
{{range .Views}}<tr><td>{{.View}}<br><small>{{.Key}}</small></td><td><pre>{{pretty .Document}}</pre></td></tr>
{{end}}</table>
<h2>Access log ({{len .AccessLog}} entries)</h2>
{{if .AccessLog}}<table><tr><th>When</th><th>Who</th><th>What</th></tr>
{{range .AccessLog}}<tr><td>{{when .RecordedAt}}</td><td>{{.ActorRole}} {{.ActorID}}</td><td><pre>{{pretty .Data}}</pre></td></tr>
{{end}}</table>{{else}}<p>No access log entries are stored for this student.</p>{{end}}
</body></html>
`))

// write renders the export as JSON or as a readable HTML document.
func (x *studentExport) write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	case "html":
		return exportPage.Execute(w, x)
	}
	return fmt.Errorf("export: format must be json or html, not %q", format)
}

// exportCommand writes everything stored about one student.
func exportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var tf toolFlags
	tf.register(fs)
	tenant := fs.String("tenant", "", "the organiser (tenant id)")
	student := fs.String("student", "", "the student's id")
	format := fs.String("format", "json", "json or html")
	out := fs.String("out", "", "file to write (default standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tenant == "" || *student == "" {
		return fmt.Errorf("export: --tenant and --student are required")
	}
	if *format != "json" && *format != "html" {
		return fmt.Errorf("export: format must be json or html, not %q", *format)
	}
	store, codec, closeAll, err := tf.open()
	if err != nil {
		return err
	}
	defer closeAll()
	x, err := buildExport(ctx, store, codec, *tenant, *student, time.Now())
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := x.write(w, *format); err != nil {
		return err
	}
	tf.logger(stderr).Info("export: written", "events", len(x.Events), "documents", len(x.Views), "access_log", len(x.AccessLog))
	return nil
}
