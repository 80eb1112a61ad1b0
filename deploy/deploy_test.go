// Package deploy_test loads and checks docker-compose.yml and the files in
// deploy/, and builds the binary they name, since no container engine runs
// where the tests do.
package deploy_test

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func loadCompose(t *testing.T, file string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join("..", file)},
		cli.WithWorkingDirectory(".."), cli.WithName("iup"), cli.WithEnv([]string{}))
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	return p
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildIupd builds cmd/iupd the way deploy/Dockerfile does (static, no cgo),
// once for all tests of the package.
func buildIupd(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iupd-build")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "iupd")
		cmd := exec.Command("go", "build", "-trimpath", "-o", builtBin, "./cmd/iupd")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/iupd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

func TestDockerfileBuildsAStaticNonRootBinary(t *testing.T) {
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(df)
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/iupd", "USER nonroot", "AS build", "COPY --from=build"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	bin := buildIupd(t)
	if runtime.GOOS != "linux" {
		t.Skip("static-binary check reads ELF")
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("iupd is dynamically linked: the distroless static image cannot run it")
		}
	}
}

func TestComposeEmbeddedService(t *testing.T) {
	p := loadCompose(t, "docker-compose.yml")
	svc, err := p.GetService("iupd")
	if err != nil {
		t.Fatal(err)
	}
	if svc.Build == nil || svc.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("iupd must build from deploy/Dockerfile, got %+v", svc.Build)
	}
	if len(svc.Ports) != 1 || svc.Ports[0].Target != 8080 || svc.Ports[0].Published != "8080" {
		t.Errorf("ports = %+v, want 8080:8080", svc.Ports)
	}
	if got := svc.Environment["IUP_DATA_DIR"]; got == nil || *got != "/var/lib/iup" {
		t.Errorf("IUP_DATA_DIR = %v", got)
	}
	if !slices.ContainsFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == "volume" && v.Source == "iup-data" && v.Target == "/var/lib/iup"
	}) {
		t.Errorf("the data folder must be on a named volume, got %+v", svc.Volumes)
	}
	if _, ok := p.Volumes["iup-data"]; !ok {
		t.Error("volume iup-data is not declared")
	}
	hc := svc.HealthCheck
	if hc == nil || len(hc.Test) < 3 || hc.Test[0] != "CMD" || !strings.HasSuffix(hc.Test[len(hc.Test)-1], "/readyz") {
		t.Fatalf("health check must probe /readyz, got %+v", hc)
	}
	if svc.StopGracePeriod == nil || *svc.StopGracePeriod <= types.Duration(30e9) {
		t.Errorf("stop_grace_period must exceed the 30s shutdown timeout, got %v", svc.StopGracePeriod)
	}

	// Every iupd subcommand the compose file names must exist in the binary
	// ("-h" exits 0 for a known command, 2 for an unknown one).
	bin := buildIupd(t)
	for _, args := range [][]string{svc.Command, hc.Test[2:]} {
		sub := args[0]
		if out, err := exec.Command(bin, sub, "-h").CombinedOutput(); err != nil {
			t.Errorf("iupd %s is not a working subcommand: %v\n%s", sub, err, out)
		}
	}
}
