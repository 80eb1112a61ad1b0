package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func mintToken(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(append([]string{"token", "--data-dir", dataDir}, args...), &out, &errOut); code != 0 {
		t.Fatalf("iupd token %v: exit %d: %s", args, code, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

func post(t *testing.T, url, token, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// A newcomer's path: iupd token mints with the key serve created, serve
// accepts it, and a keyed write answers the same after iupd restarts.
func TestTokenFromIupdTokenWorksAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, "--data-dir", dir)
	base := "http://" + m.Addr()
	if code, hdr, body := get(t, base+"/.well-known/jwks.json"); code != 200 || !strings.Contains(body, `"kty":"EC"`) || strings.Contains(body, `"d":`) {
		t.Fatalf("jwks = %d %s %s", code, hdr.Get("Content-Type"), body)
	}
	if code, _, body := get(t, base+"/openapi.json"); code != 200 || !strings.Contains(body, `"openapi": "3.1.0"`) {
		t.Fatalf("openapi.json = %d %.100s", code, body)
	}
	admin := mintToken(t, dir, "--sub", "admin1", "--tenant", "t1", "--role", "admin")
	year := `{"id":"sy25","ht":{"start":"2025-08-18","end":"2025-12-19"},"vt":{"start":"2026-01-08","end":"2026-06-12"}}`
	first, body := post(t, base+"/v1/school-years", admin, year, "Idempotency-Key", "k1")
	if first.StatusCode != 201 || first.Header.Get("ETag") != `"0"` || first.Header.Get("IUP-Consistency-Token") == "" {
		t.Fatalf("create = %d %v %s", first.StatusCode, first.Header, body)
	}
	if res, _ := post(t, base+"/v1/school-years", "not-a-token", year); res.StatusCode != 401 {
		t.Fatalf("a bad token got %d", res.StatusCode)
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := startMain(t, "--data-dir", dir)
	again, body2 := post(t, "http://"+m2.Addr()+"/v1/school-years", admin, year, "Idempotency-Key", "k1")
	if again.StatusCode != 201 || body2 != body || again.Header.Get("IUP-Consistency-Token") != first.Header.Get("IUP-Consistency-Token") {
		t.Fatalf("retry after restart = %d %s, first %s", again.StatusCode, body2, body)
	}
	if head, err := m2.store.HeadPosition(context.Background()); err != nil || head.Commit != 2 {
		t.Fatalf("head after the retry = %v %v, want the 2 events of the first request", head, err)
	}
}

func TestTokenCommandRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--sub", "a1", "--tenant", "t1"},                                 // no role
		{"--sub", "a1", "--tenant", "t1", "--role", "janitor"},            // unknown role
		{"--sub", "19121212-1212", "--tenant", "t1", "--role", "teacher"}, // personal number
		{"--sub", "a1", "--tenant", "t1", "--role", "admin", "--ttl", "-1h"},
	} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"token", "--data-dir", dir}, args...), &out, &errOut); code == 0 || out.Len() > 0 {
			t.Errorf("iupd token %v: exit %d, printed %q", args, code, out.String())
		}
	}
}
