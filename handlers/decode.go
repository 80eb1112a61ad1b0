package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// DefaultMaxBody is the request body limit unless configured otherwise.
const DefaultMaxBody = 1 << 20 // 1 MiB

// readBody reads the whole body within limit, refusing other media types.
// A write reads its body once: the bytes feed both the idempotency
// fingerprint and the decoder.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &requestError{status: http.StatusUnsupportedMediaType, typ: ProblemUnsupportedMedia,
				title: "Unsupported media type", field: "Content-Type", detail: "Send the body as application/json."}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, typ: ProblemBodyTooLarge,
				title: "Request body too large", detail: fmt.Sprintf("The body may be at most %d bytes; split a bulk request into smaller ones.", limit)}
		}
		return nil, badBody("", "The body could not be read completely.")
	}
	return body, nil
}

// decodeJSON decodes body into dst: exactly one JSON value, no unknown
// fields, every type as documented. The error says what to fix, naming the
// field; it never echoes the body.
func decodeJSON(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badBody("", "The request needs a JSON body; see /openapi.json for its schema.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badBody("", "The body must be one JSON value with nothing after it.")
	}
	return nil
}

func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return badBody("", fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badBody("", "The body ends in the middle of a JSON value.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return badBody("", fmt.Sprintf("The body must be a JSON %s, not %s.", expectedKind(typ), typ.Value))
		}
		return badBody(field, fmt.Sprintf("%s must be %s, not %s.", field, expectedKind(typ), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badBody(name, fmt.Sprintf("Unknown field %q: check its spelling against /openapi.json.", name))
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return badBody(fe.field, fe.msg)
	}
	// A value's own decoder refused it (dates, levels, ids): its message
	// names what it wants.
	return badBody("", "A value has the wrong form: "+err.Error())
}

// fieldError is returned by the API's own JSON value types (dates and the
// like) so the problem can name the field.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func expectedKind(e *json.UnmarshalTypeError) string {
	switch e.Type.Kind().String() {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + e.Type.String()
}
