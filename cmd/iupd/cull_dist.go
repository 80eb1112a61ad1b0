package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/projections/lease"
)

// Culling in distributed mode (`iupd project`). The daily job runs in one
// projector at a time, under its own lease. Every projector watches the log
// for culling events (from that job or from `iupd erase`): it forgets the
// culled keys, rebuilds the views it holds so the culled values leave
// Redis, and then has Redis rewrite its append-only file, where the deleted
// values would otherwise stay (issue 8, point 4).

// cullingLease names the daily culling job's lease.
const cullingLease = "culling"

// cullUnderLease is the culling job's work under its lease.
func (ps *projectorSide) cullUnderLease(c *culler) func(context.Context, *lease.Held) error {
	return func(ctx context.Context, _ *lease.Held) error {
		c.runDaily(ctx, time.Now, 24*time.Hour)
		return nil
	}
}

// rebuildHeld rebuilds every view this process holds now, then rewrites
// Redis's append-only file. Views held by other projectors are rebuilt by
// their own watchers.
func (ps *projectorSide) rebuildHeld(ctx context.Context) error {
	var errs []error
	for _, p := range ps.all {
		if _, ok := ps.running(p.Name); !ok {
			continue
		}
		if err := ps.Rebuild(ctx, p.Name); err != nil {
			errs = append(errs, fmt.Errorf("rebuild %s: %w", p.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	_, err := rewriteAOF(ctx, ps.rdb, ps.log)
	return err
}

// startCullWatcher runs the culling watcher of a projector until ctx ends.
func (ps *projectorSide) startCullWatcher(ctx context.Context, keys *shred.Keyring) error {
	w := newCullWatcher(ps.events, keys, ps.rebuildHeld, ps.log)
	head, err := ps.events.HeadPosition(ctx)
	if err != nil {
		return fmt.Errorf("culling watcher: %w", err)
	}
	ps.wg.Add(1)
	go func() {
		defer ps.wg.Done()
		if err := w.run(ctx, head); err != nil {
			ps.log.Error("culling watcher stopped", "err", err)
		}
	}()
	return nil
}

// aofRewriteWait bounds how long rewriteAOF waits for Redis to finish.
const aofRewriteWait = 10 * time.Minute

// rewriteAOF has Redis rewrite its append-only file when it keeps one
// (appendonly yes): a deleted key's value stays in the file's history until
// the rewrite replaces it with the data as it is now. It waits until the
// rewrite is done and reports whether one ran. Managed Redis services that
// refuse CONFIG or BGREWRITEAOF get a warning: their operator must rewrite.
func rewriteAOF(ctx context.Context, rdb redis.UniversalClient, logger *slog.Logger) (bool, error) {
	cfg, err := rdb.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		logger.Warn("culling: cannot ask Redis whether it keeps an append-only file; if it does, rewrite it (BGREWRITEAOF) so culled values leave it", "err", err)
		return false, nil
	}
	if cfg["appendonly"] != "yes" {
		return false, nil
	}
	// Before asking, wait for a rewrite already running: one that started
	// before the views were rebuilt would still hold the culled values, and
	// Redis answers a second request during it by only scheduling one.
	if err := waitAOFRewrite(ctx, rdb); err != nil {
		return false, err
	}
	if err := rdb.BgRewriteAOF(ctx).Err(); err != nil && !strings.Contains(err.Error(), "already in progress") {
		logger.Warn("culling: Redis refused to rewrite its append-only file; culled values stay in it until it is rewritten", "err", err)
		return false, nil
	}
	start := time.Now()
	if err := waitAOFRewrite(ctx, rdb); err != nil {
		return false, err
	}
	logger.Info("culling: Redis rewrote its append-only file without the culled values", "took", time.Since(start).String())
	return true, nil
}

// waitAOFRewrite polls INFO persistence until no rewrite runs or is
// scheduled.
func waitAOFRewrite(ctx context.Context, rdb redis.UniversalClient) error {
	ctx, cancel := context.WithTimeout(ctx, aofRewriteWait)
	defer cancel()
	for {
		info, err := rdb.Info(ctx, "persistence").Result()
		if err != nil {
			return fmt.Errorf("redis append-only file rewrite: %w", err)
		}
		if !strings.Contains(info, "aof_rewrite_in_progress:1") && !strings.Contains(info, "aof_rewrite_scheduled:1") {
			return nil
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return fmt.Errorf("redis append-only file rewrite still running: %w", err)
		}
	}
}
