package main

import (
	"net/http"
	"net/http/pprof"
)

// withPprof serves Go's profiles under /debug/pprof/ beside the operators'
// endpoints when --admin-pprof is on: a heap profile of a running service
// is how a leak is told from growth of the data. The listener has no
// authentication, like the rest of it, so it stays on loopback.
func withPprof(c Config, admin http.Handler) http.Handler {
	if !c.AdminPprof {
		return admin
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", admin)
	return mux
}
