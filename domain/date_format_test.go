package domain

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// The hand-written date format equals the fmt one it replaced, for every
// day of several years and at the edges of four digits.
func TestDateFormatsAsYYYYMMDD(t *testing.T) {
	check := func(d Date) {
		t.Helper()
		want := fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
		if got := d.String(); got != want {
			t.Fatalf("%+v: String = %q, want %q", d, got, want)
		}
		b, err := json.Marshal(d)
		if err != nil || string(b) != `"`+want+`"` {
			t.Fatalf("%+v: JSON = %s, %v", d, b, err)
		}
	}
	for day := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2031; day = day.AddDate(0, 0, 1) {
		check(DateOf(day, time.UTC))
	}
	for _, d := range []Date{{1, time.January, 1}, {999, time.December, 31}, {9999, time.December, 31}, {10000, time.January, 1}} {
		check(d)
	}
	if b, _ := json.Marshal(Date{}); string(b) != "null" {
		t.Errorf("the zero date encodes as %s, want null", b)
	}
}
