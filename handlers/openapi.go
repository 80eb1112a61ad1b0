package handlers

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 document of the API: what is, not a plan.
// Tests check real responses against it and every route is in it.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument returns the embedded document.
func OpenAPIDocument() []byte { return openAPIDoc }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}
