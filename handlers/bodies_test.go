package handlers

import (
	"bytes"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	gojson "github.com/goccy/go-json"
)

// Every body the API answers with through writeJSON, in the flows that
// call every route as every role, is byte-equal whether go-json (as
// served) or encoding/json writes it.
func TestResponseBodiesEncodeAsEncodingJSONWould(t *testing.T) {
	var seen atomic.Int64
	var mu sync.Mutex
	var differ []string
	see := func(v any) {
		var fast, std bytes.Buffer
		_ = gojson.NewEncoder(&fast).Encode(v)
		_ = json.NewEncoder(&std).Encode(v)
		seen.Add(1)
		if !bytes.Equal(fast.Bytes(), std.Bytes()) {
			mu.Lock()
			differ = append(differ, fast.String()+"\nencoding/json: "+std.String())
			mu.Unlock()
		}
	}
	sawBody.Store(&see)
	t.Cleanup(func() { sawBody.Store(nil) })
	t.Run("flow", TestEndToEndTermFlow)
	t.Run("reads", TestGuardianReadsTheirChildWithoutHiddenFields)
	t.Run("time travel", TestTimeTravelAndHistory)
	t.Run("access log", TestReadAccessIsLoggedApartFromTheAggregates)
	t.Run("protected", TestProtectedIdentityToAuthorisedStaffByDay)
	t.Run("export", TestRightOfAccessExport)
	t.Run("matrix", TestAccessMatrix)
	t.Run("idempotency", TestIdempotencyKeyReplaysTheAnswerAfterARestart)
	t.Logf("%d bodies compared", seen.Load())
	if seen.Load() < 100 {
		t.Fatalf("only %d bodies seen", seen.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	for _, d := range differ {
		t.Errorf("go-json wrote %s", d)
	}
}
