// Package deploy_test loads and checks docker-compose.yml and the files in
// deploy/ (compose files with compose-go, Kubernetes manifests decoded
// strictly into the API types), and builds the binary they name once, since
// no container engine runs where the tests do.
package deploy_test

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
