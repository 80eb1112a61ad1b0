package export

import (
	"bytes"
	"encoding/json"
	"html/template"
	"time"
)

// page is the readable document (registerutdrag). It is self-contained:
// styles inline, no scripts, no external assets, so it can be handed over
// as one file.
var page = template.Must(template.New("export").Funcs(template.FuncMap{
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
{{range .AccessLog}}<tr><td>{{when .At}}</td><td>{{.Role}} {{.ActorID}}{{if .OnBehalfOf}} for {{.OnBehalfOf}}{{end}}</td><td>{{.What}} {{.Object}}</td></tr>
{{end}}</table>{{else}}<p>No access log entries are stored for this student.</p>{{end}}
</body></html>
`))
