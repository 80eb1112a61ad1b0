package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// iupdEnv is every IUP_ variable iupd reads, taken from the built binary's
// own help, so a manifest naming one that does not exist fails here.
func iupdEnv(t *testing.T) map[string]bool {
	t.Helper()
	bin := buildIupd(t)
	known := map[string]bool{}
	for _, sub := range []string{"serve", "api", "project"} {
		out, _ := exec.Command(bin, sub, "-h").CombinedOutput()
		for _, m := range regexp.MustCompile(`\((IUP_[A-Z_]+)\)`).FindAllStringSubmatch(string(out), -1) {
			known[m[1]] = true
		}
	}
	if len(known) < 10 {
		t.Fatalf("found only %d IUP_ variables in iupd's help", len(known))
	}
	return known
}

func env(svc types.ServiceConfig, name string) string {
	if v := svc.Environment[name]; v != nil {
		return *v
	}
	return ""
}

func TestComposeDistributedLayout(t *testing.T) {
	p := loadCompose(t, "docker-compose.yml")
	known := iupdEnv(t)

	kdb, err := p.GetService("kurrentdb")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kdb.Image, "docker.kurrent.io/kurrent-latest/kurrentdb") {
		t.Errorf("kurrentdb image = %q", kdb.Image)
	}
	for k, want := range map[string]string{"KURRENTDB_INSECURE": "true", "KURRENTDB_RUN_PROJECTIONS": "None", "KURRENTDB_CLUSTER_SIZE": "1"} {
		if got := env(kdb, k); got != want {
			t.Errorf("kurrentdb %s = %q, want %q", k, got, want)
		}
	}
	redis, err := p.GetService("redis")
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []types.ServiceConfig{kdb, redis} {
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("%s has no health check", svc.Name)
		}
		if len(svc.Volumes) == 0 || svc.Volumes[0].Type != "volume" {
			t.Errorf("%s keeps its data on no named volume: %+v", svc.Name, svc.Volumes)
		}
	}

	wantCmd := map[string]string{"api": "api", "projector": "project"}
	for name, sub := range wantCmd {
		svc, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(svc.Command, []string{sub}) {
			t.Errorf("%s runs %v, want iupd %s", name, svc.Command, sub)
		}
		if svc.Build == nil || svc.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s must build from deploy/Dockerfile", name)
		}
		for k, want := range map[string]string{"IUP_EVENTS": "esdb://kurrentdb:2113?tls=false", "IUP_READMODELS": "redis://redis:6379/0", "IUP_BUS": "redisstream"} {
			if got := env(svc, k); got != want {
				t.Errorf("%s %s = %q, want %q", name, k, got, want)
			}
		}
		for k := range svc.Environment {
			if strings.HasPrefix(k, "IUP_") && !known[k] {
				t.Errorf("%s sets %s, which iupd does not read", name, k)
			}
		}
		for _, dep := range []string{"kurrentdb", "redis"} {
			if d, ok := svc.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s must wait for %s to be healthy, got %+v", name, dep, svc.DependsOn)
			}
		}
		for _, problem := range composeKeyProblems(p, svc, sub) {
			t.Errorf("%s: %s", name, problem)
		}
		hc := svc.HealthCheck
		if hc == nil || len(hc.Test) < 3 || hc.Test[0] != "CMD" || !strings.HasSuffix(hc.Test[len(hc.Test)-1], "/readyz") {
			t.Errorf("%s health check must probe /readyz, got %+v", name, hc)
		}
		if svc.StopGracePeriod == nil || *svc.StopGracePeriod <= types.Duration(30e9) {
			t.Errorf("%s stop_grace_period must exceed the 30s shutdown timeout", name)
		}
		// The subcommand and the probe exist in the binary.
		for _, args := range [][]string{svc.Command, hc.Test[2:]} {
			if out, err := exec.Command(buildIupd(t), args[0], "-h").CombinedOutput(); err != nil {
				t.Errorf("iupd %s is not a working subcommand: %v\n%s", args[0], err, out)
			}
		}
	}
	api, _ := p.GetService("api")
	if api.Deploy == nil || api.Deploy.Replicas == nil || *api.Deploy.Replicas != 2 {
		t.Errorf("api must run two replicas, got %+v", api.Deploy)
	}
	if len(api.Ports) != 1 || api.Ports[0].Target != 8080 || api.Ports[0].Published != "8080-8081" {
		t.Errorf("api ports = %+v, want one host port per replica", api.Ports)
	}
	for _, v := range []string{"kurrentdb-data", "redis-data"} {
		if _, ok := p.Volumes[v]; !ok {
			t.Errorf("volume %s is not declared", v)
		}
	}
}

func TestKurrentDBClusterCompose(t *testing.T) {
	p := loadCompose(t, "deploy/kurrentdb-cluster.yml")
	nodes := []string{"kurrentdb-1", "kurrentdb-2", "kurrentdb-3"}
	for _, name := range nodes {
		svc, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if env(svc, "KURRENTDB_CLUSTER_SIZE") != "3" || env(svc, "KURRENTDB_INSECURE") != "true" {
			t.Errorf("%s: cluster size %q insecure %q", name, env(svc, "KURRENTDB_CLUSTER_SIZE"), env(svc, "KURRENTDB_INSECURE"))
		}
		// Each node gossips with the other two, never with itself.
		seeds := strings.Split(env(svc, "KURRENTDB_GOSSIP_SEED"), ",")
		for _, other := range nodes {
			has := slices.Contains(seeds, other+":2113")
			if has == (other == name) {
				t.Errorf("%s gossip seeds %v: %s listed=%v", name, seeds, other, has)
			}
		}
		if env(svc, "KURRENTDB_NODE_HOST_ADVERTISE_AS") != name {
			t.Errorf("%s advertises as %q", name, env(svc, "KURRENTDB_NODE_HOST_ADVERTISE_AS"))
		}
		if svc.HealthCheck == nil || len(svc.Volumes) != 1 {
			t.Errorf("%s needs a health check and its own data volume", name)
		}
	}
}

// manifests decodes every object of deploy/k8s strictly into its API type:
// a misspelt field is an error, not a silently ignored key.
type manifests struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	configMaps  []corev1.ConfigMap
	secrets     []corev1.Secret
	pvcs        []corev1.PersistentVolumeClaim
	pdbs        []policyv1.PodDisruptionBudget
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var m manifests
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(b, []byte("\n---\n")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			var target any
			switch tm.APIVersion + "/" + tm.Kind {
			case "apps/v1/Deployment":
				m.deployments = append(m.deployments, appsv1.Deployment{})
				target = &m.deployments[len(m.deployments)-1]
			case "v1/Service":
				m.services = append(m.services, corev1.Service{})
				target = &m.services[len(m.services)-1]
			case "v1/ConfigMap":
				m.configMaps = append(m.configMaps, corev1.ConfigMap{})
				target = &m.configMaps[len(m.configMaps)-1]
			case "v1/Secret":
				m.secrets = append(m.secrets, corev1.Secret{})
				target = &m.secrets[len(m.secrets)-1]
			case "v1/PersistentVolumeClaim":
				m.pvcs = append(m.pvcs, corev1.PersistentVolumeClaim{})
				target = &m.pvcs[len(m.pvcs)-1]
			case "policy/v1/PodDisruptionBudget":
				m.pdbs = append(m.pdbs, policyv1.PodDisruptionBudget{})
				target = &m.pdbs[len(m.pdbs)-1]
			default:
				t.Fatalf("%s #%d: unexpected kind %s %s", f, i, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, target); err != nil {
				t.Fatalf("%s #%d (%s): %v", f, i, tm.Kind, err)
			}
		}
	}
	return m
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	known := iupdEnv(t)
	if len(m.configMaps) != 1 || len(m.secrets) != 1 {
		t.Fatalf("want one ConfigMap and one Secret; got %d %d", len(m.configMaps), len(m.secrets))
	}
	cm, secret := m.configMaps[0], m.secrets[0]
	for k := range cm.Data {
		if !known[k] {
			t.Errorf("ConfigMap sets %s, which iupd does not read", k)
		}
	}
	for k := range secret.StringData {
		if !known[k] {
			t.Errorf("Secret sets %s, which iupd does not read", k)
		}
	}
	if _, ok := cm.Data["IUP_EVENTS"]; ok {
		t.Error("the event store URL carries credentials: it belongs in the Secret")
	}
	if cm.Data["IUP_BUS"] != "redisstream" {
		t.Errorf("IUP_BUS = %q", cm.Data["IUP_BUS"])
	}

	subs := map[string]string{}
	for _, d := range m.deployments {
		spec := d.Spec.Template.Spec
		if len(spec.Containers) != 1 {
			t.Fatalf("%s: %d containers", d.Name, len(spec.Containers))
		}
		c := spec.Containers[0]
		subs[d.Name] = c.Args[0]
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: selector %v does not match its pods %v", d.Name, d.Spec.Selector, d.Spec.Template.Labels)
		}
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s must run as non-root", d.Name)
		}
		if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			t.Errorf("%s: privilege escalation must be off", d.Name)
		}
		if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 || c.Ports[0].Name != "http" {
			t.Errorf("%s: ports %+v", d.Name, c.Ports)
		}
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
			t.Errorf("%s: liveness must be /healthz (a slow store must not restart the pod)", d.Name)
		}
		if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			t.Errorf("%s: readiness must be /readyz", d.Name)
		}
		if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != cm.Name {
			t.Errorf("%s: must take its settings from ConfigMap %s", d.Name, cm.Name)
		}
		fromSecret := map[string]bool{}
		memLimit := false
		for _, e := range c.Env {
			if e.Name == "GOMEMLIMIT" {
				// The Go runtime's, from the container's own limit.
				rf := e.ValueFrom
				memLimit = rf != nil && rf.ResourceFieldRef != nil && rf.ResourceFieldRef.Resource == "limits.memory" &&
					!c.Resources.Limits.Memory().IsZero()
				continue
			}
			if !known[e.Name] {
				t.Errorf("%s sets %s, which iupd does not read", d.Name, e.Name)
			}
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				ref := e.ValueFrom.SecretKeyRef
				if ref.Name != secret.Name || secret.StringData[ref.Key] == "" {
					t.Errorf("%s: %s refers to %s/%s, which does not exist", d.Name, e.Name, ref.Name, ref.Key)
				}
				fromSecret[e.Name] = true
			}
		}
		if !memLimit {
			t.Errorf("%s: GOMEMLIMIT must come from the container's memory limit (a rebuild relaxes GOGC)", d.Name)
		}
		if !fromSecret["IUP_EVENTS"] || !fromSecret["IUP_READMODELS"] {
			t.Errorf("%s: the store URLs must come from the Secret", d.Name)
		}
		for _, problem := range k8sKeyProblems(d, m.pvcs, cm) {
			t.Errorf("%s: %s", d.Name, problem)
		}
		if spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds <= 30 {
			t.Errorf("%s: the grace period must exceed the 30s shutdown timeout", d.Name)
		}
	}
	if subs["iup-api"] != "api" || subs["iup-projector"] != "project" {
		t.Errorf("deployments run %v, want iup-api: api and iup-projector: project", subs)
	}

	// Every Service and PDB selects the pods of a Deployment, and every
	// Service port names a container port.
	podsOf := func(sel map[string]string) *appsv1.Deployment {
		for i, d := range m.deployments {
			if len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
				return &m.deployments[i]
			}
		}
		return nil
	}
	for _, s := range m.services {
		d := podsOf(s.Spec.Selector)
		if d == nil {
			t.Errorf("Service %s selects no Deployment's pods", s.Name)
			continue
		}
		for _, p := range s.Spec.Ports {
			if p.TargetPort.StrVal != d.Spec.Template.Spec.Containers[0].Ports[0].Name {
				t.Errorf("Service %s targets port %v, not a port of %s", s.Name, p.TargetPort, d.Name)
			}
		}
	}
	covered := map[string]bool{}
	for _, pdb := range m.pdbs {
		if pdb.Spec.Selector == nil {
			t.Errorf("PDB %s has no selector", pdb.Name)
			continue
		}
		d := podsOf(pdb.Spec.Selector.MatchLabels)
		if d == nil {
			t.Errorf("PDB %s selects no Deployment's pods", pdb.Name)
			continue
		}
		covered[d.Name] = true
		if pdb.Spec.MinAvailable != nil && int32(pdb.Spec.MinAvailable.IntValue()) >= *d.Spec.Replicas {
			t.Errorf("PDB %s: minAvailable %v would block every drain of %d replicas", pdb.Name, pdb.Spec.MinAvailable, *d.Spec.Replicas)
		}
	}
	if !covered["iup-api"] {
		t.Error("no PodDisruptionBudget keeps an API replica up")
	}
}

// A misspelt field must fail the strict decoding the manifests go through.
func TestStrictDecodingCatchesMisspeltFields(t *testing.T) {
	doc := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n")
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(doc, &d); err == nil {
		t.Fatal("a misspelt field decoded without error")
	}
}
