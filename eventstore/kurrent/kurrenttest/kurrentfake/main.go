// Command kurrentfake runs the in-process KurrentDB protocol server of
// package kurrenttest as a process, for multi-process tests on machines
// where KurrentDB itself cannot run. It prints the connection string on
// stdout and serves until SIGINT or SIGTERM. Its log lives in memory only.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port)")
	maxAppend := flag.Int("max-append-size", kurrenttest.DefaultMaxAppendSize, "largest append in bytes (KurrentDB's MaxAppendSize)")
	flag.Parse()
	srv, err := kurrenttest.StartAt(*addr, kurrenttest.WithMaxAppendSize(*maxAppend))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(srv.URL())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	srv.Close()
}
