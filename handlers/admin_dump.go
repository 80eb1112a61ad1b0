package handlers

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gorilla/mux"
)

// DumpMark is a view's active namespace and the log position it has
// applied up to.
type DumpMark struct {
	Namespace  string `json:"namespace"`
	Checkpoint string `json:"checkpoint"`
}

// ProjectionDumper reads a view's documents for `iupd verify`, which
// compares them with a rebuild from the log.
type ProjectionDumper interface {
	// DumpMark returns the view's active namespace and its checkpoint.
	DumpMark(r *http.Request, name string) (DumpMark, error)
	// DumpScan calls fn for every document of the namespace, in key order.
	DumpScan(r *http.Request, namespace string, fn func(key string, value []byte) error) error
}

// dumpLine is one line of the dump: the header (Mark), a document (Key and
// Value, base64 so the bytes compare exactly), or the trailer (End, with
// the mark read after the scan). A reader trusts the documents only when
// the two marks are equal: nothing was applied during the scan.
type dumpLine struct {
	Mark  *DumpMark `json:"mark,omitempty"`
	Key   string    `json:"key,omitempty"`
	Value []byte    `json:"value,omitempty"`
	End   *DumpMark `json:"end,omitempty"`
	Error string    `json:"error,omitempty"`
}

// registerDump serves GET /admin/projections/{name}/dump as NDJSON. It is
// on the operators' listener only: the documents hold personal content.
func registerDump(r *mux.Router, d ProjectionDumper) {
	r.HandleFunc("/admin/projections/{name}/dump", func(w http.ResponseWriter, req *http.Request) {
		name := mux.Vars(req)["name"]
		before, err := d.DumpMark(req, name)
		if err != nil {
			writeAdminError(w, req, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Cache-Control", "no-store")
		bw := bufio.NewWriterSize(w, 64<<10)
		enc := json.NewEncoder(bw)
		_ = enc.Encode(dumpLine{Mark: &before})
		err = d.DumpScan(req, before.Namespace, func(k string, v []byte) error {
			return enc.Encode(dumpLine{Key: k, Value: v})
		})
		if err == nil {
			var after DumpMark
			if after, err = d.DumpMark(req, name); err == nil {
				_ = enc.Encode(dumpLine{End: &after})
			}
		}
		if err != nil {
			// Headers are sent: the missing trailer tells the reader.
			msg := "the dump failed"
			if errors.Is(err, ErrUnknownProjection) {
				msg = ErrUnknownProjection.Error()
			}
			_ = enc.Encode(dumpLine{Error: msg})
		}
		_ = bw.Flush()
	}).Methods(http.MethodGet)
}
