package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/projections"
)

// DumpMark implements handlers.ProjectionDumper.
func (rs *readSide) DumpMark(r *http.Request, name string) (handlers.DumpMark, error) {
	if !rs.known(name) {
		return handlers.DumpMark{}, handlers.ErrUnknownProjection
	}
	rd, err := rs.runtime.Reader(r.Context(), name)
	if err != nil {
		return handlers.DumpMark{}, err
	}
	cp, _, err := rs.store.Checkpoint(r.Context(), rd.Namespace())
	if err != nil {
		return handlers.DumpMark{}, err
	}
	return handlers.DumpMark{Namespace: string(rd.Namespace()), Checkpoint: cp.String()}, nil
}

// DumpScan implements handlers.ProjectionDumper.
func (rs *readSide) DumpScan(r *http.Request, namespace string, fn func(key string, value []byte) error) error {
	return rs.store.Scan(r.Context(), projections.Namespace(namespace), "", fn)
}

// adminViews reads live views from a running service's dump endpoint.
type adminViews struct {
	base    string
	client  *http.Client
	retries int           // scans that overlapped a batch are retried
	pause   time.Duration // between retries
}

// dumpLine mirrors the handler's wire format.
type dumpLine struct {
	Mark  *handlers.DumpMark `json:"mark"`
	Key   string             `json:"key"`
	Value []byte             `json:"value"`
	End   *handlers.DumpMark `json:"end"`
	Error string             `json:"error"`
}

// errViewMoved: the view applied a batch while it was being read.
var errViewMoved = errors.New("the view moved while it was read")

// View implements liveSource. A dump is used only when the view's mark
// (namespace and checkpoint) was the same before and after the scan;
// otherwise it is read again, a few times, then verify gives up rather
// than compare a torn read.
func (a adminViews) View(ctx context.Context, name string) (liveView, error) {
	var err error
	for attempt := 0; attempt <= a.retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return liveView{}, ctx.Err()
			case <-time.After(a.pause):
			}
		}
		var lv liveView
		if lv, err = a.dump(ctx, name); !errors.Is(err, errViewMoved) {
			return lv, err
		}
	}
	return liveView{}, fmt.Errorf("%w on %d reads: verify when the service is quieter", err, a.retries+1)
}

func (a adminViews) dump(ctx context.Context, name string) (liveView, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/admin/projections/"+name+"/dump", nil)
	if err != nil {
		return liveView{}, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return liveView{}, fmt.Errorf("is the service running? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return liveView{}, fmt.Errorf("%s: %s", resp.Status, body)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(resp.Body, 64<<10))
	var first, last *handlers.DumpMark
	docs := viewDocs{}
	for {
		var l dumpLine
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return liveView{}, fmt.Errorf("read dump: %w", err)
		}
		switch {
		case l.Error != "":
			return liveView{}, fmt.Errorf("the service: %s", l.Error)
		case l.Mark != nil:
			first = l.Mark
		case l.End != nil:
			last = l.End
		default:
			docs[l.Key] = l.Value
		}
	}
	if first == nil || last == nil {
		return liveView{}, errors.New("the dump ended early")
	}
	if *first != *last {
		return liveView{}, errViewMoved
	}
	cp, err := eventstore.ParsePosition(first.Checkpoint)
	if err != nil {
		return liveView{}, err
	}
	return liveView{docs: docs, checkpoint: cp}, nil
}
