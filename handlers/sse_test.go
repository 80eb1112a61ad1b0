package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

// A guardian's live stream carries their child's changes, not another
// child's, and no notice of a field hidden from the home.
func TestLiveUpdatesFollowThePolicy(t *testing.T) {
	h, step, _ := readWorld(t)
	g1 := h.token("kommun1", "g1", domain.RoleGuardian)
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+g1)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(res.Body)
	if _, err := rd.ReadString('\n'); err != nil { // the opening comment: the stream is live
		t.Fatal(err)
	}
	hidden := step("hidden note", "PUT", "/v1/plans/s1.sy25.HT/fields/staff_notes", mentor, map[string]any{"text": canary + " 2"}, 200)
	step("other child", "PUT", "/v1/plans/s2.sy25.HT/fields/school_does", mentor, map[string]any{"text": "Annat barn"}, 200)
	visible := step("own child", "PUT", "/v1/plans/s1.sy25.HT/fields/school_does", mentor, map[string]any{"text": "Nytt mål"}, 200)

	var got []Notice
	var raw strings.Builder
	for len(got) == 0 || got[len(got)-1].ConsistencyToken == "" {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after %v: %v", got, err)
		}
		raw.WriteString(line)
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var n Notice
			if err := json.Unmarshal([]byte(data), &n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
			if n.StudentID == "s1" && etag(domain.Version(n.Revision)) == visible.Header.Get("ETag") {
				break
			}
		}
	}
	for _, n := range got {
		if n.StudentID != "s1" {
			t.Fatalf("the guardian heard of another child: %+v", n)
		}
		if etag(domain.Version(n.Revision)) == hidden.Header.Get("ETag") {
			t.Fatalf("the guardian heard of a field hidden from the home: %+v", n)
		}
	}
	if strings.Contains(raw.String(), canary) {
		t.Fatal("the hidden text is in the stream")
	}
	if last := got[len(got)-1]; etag(domain.Version(last.Revision)) != visible.Header.Get("ETag") {
		t.Fatalf("the visible change is not the last notice: %+v", got)
	}
}
