package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// projectCommand is the projector's command line. In the embedded default
// the views live in the service's memory, so --rebuild asks the running
// service, through its operators' endpoint, to rebuild a view into a fresh
// namespace while the old one serves, then switch.
func projectCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("project", flag.ContinueOnError)
	rebuild := fs.String("rebuild", "", "rebuild the named view (see GET /admin/projections for the names)")
	admin := fs.String("admin-url", "http://"+envOr("admin-addr", "127.0.0.1:8081"), "the running service's operators' endpoints")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rebuild == "" {
		return fmt.Errorf("project: say what to do: --rebuild NAME")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *admin+"/admin/projections/"+*rebuild+"/rebuild", nil)
	if err != nil {
		return fmt.Errorf("project: %w", err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("project: is the service running? %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("project: rebuild of %s: %s: %s", *rebuild, resp.Status, body)
	}
	fmt.Fprintf(stdout, "rebuilt %s in %s\n", *rebuild, time.Since(start).Round(time.Millisecond))
	return nil
}
