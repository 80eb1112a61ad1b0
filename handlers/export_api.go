package handlers

import (
	"github.com/iup-platform/iup/handlers/export"
)

// ExportAccess turns read access log entries into the export's form.
func ExportAccess(entries []AccessEntry) []export.Access {
	out := make([]export.Access, len(entries))
	for i, e := range entries {
		out[i] = export.Access{At: e.At, ActorID: e.ActorID, Role: string(e.Role), What: e.What, Object: e.Object,
			RequestID: e.RequestID, OnBehalfOf: e.OnBehalfOf}
	}
	return out
}
