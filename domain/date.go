package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// DefaultTimeZone is the organiser's time zone unless it sets another.
// The binary embeds the time-zone database (time/tzdata), so this resolves
// on machines without one.
const DefaultTimeZone = "Europe/Stockholm"

// Date is a calendar date (term dates, due dates) in the organiser's time
// zone; it has no instant until a zone is given. JSON form: "2026-08-17".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// MustDate is ParseDate for constants in tests; it panics on bad input.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf is the calendar date of instant t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	t = t.In(loc)
	return Date{t.Year(), t.Month(), t.Day()}
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return string(d.appendTo(make([]byte, 0, 10)))
}

// appendTo appends d as YYYY-MM-DD: views encode many dates, and this is
// the one format they have.
func (d Date) appendTo(b []byte) []byte {
	if d.Year < 0 || d.Year > 9999 {
		return fmt.Appendf(b, "%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	y, m := d.Year, int(d.Month)
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10%10), byte('0'+m%10), '-', byte('0'+d.Day/10%10), byte('0'+d.Day%10))
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or +1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp(int(d.Month), int(e.Month))
	default:
		return cmp(d.Day, e.Day)
	}
}

func cmp(a, b int) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// Start is the first instant of d in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// End is the first instant after d in loc (midnight that ends the day), so a
// term "ended" at instant t when !t.Before(end.End(loc)).
func (d Date) End(loc *time.Location) time.Time { return d.Start(loc).AddDate(0, 0, 1) }

// AddDays returns d shifted by n days.
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	return Date{t.Year(), t.Month(), t.Day()}
}

// MarshalJSON writes "YYYY-MM-DD" (or null when unset).
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b := append(make([]byte, 0, 12), '"')
	return append(d.appendTo(b), '"'), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	// A string of digits and dashes unquotes to itself: no decoder needed
	// (the views' documents hold many dates, and the API reads them).
	if s, ok := plainString(b); ok {
		p, err := ParseDate(s)
		if err != nil {
			return err
		}
		*d = p
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string YYYY-MM-DD")
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// plainString is the content of a JSON string of digits and dashes only.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	for _, c := range b[1 : len(b)-1] {
		if (c < '0' || c > '9') && c != '-' {
			return "", false
		}
	}
	return string(b[1 : len(b)-1]), true
}

// Location loads a time zone by name, defaulting to DefaultTimeZone.
func Location(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Invalid("time_zone", "unknown time zone %q", name)
	}
	return loc, nil
}
