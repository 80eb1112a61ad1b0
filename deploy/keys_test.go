package deploy_test

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/iup-platform/iup/handlers"
)

// keysOf are the key files each subcommand reads, by their variables: the
// API checks tokens and signs consistency tokens, the projector only opens
// sealed content.
var keysOf = map[string][]string{
	"api":     {"IUP_MASTER_KEY_FILE", "IUP_SIGNING_KEY_FILE", "IUP_CONSISTENCY_KEY_FILE"},
	"project": {"IUP_MASTER_KEY_FILE"},
}

// k8sKeyProblems lists what is wrong with how Deployment d gets its keys:
// every key file must lie in a read-only volume from a Secret that holds
// it, and no volume may be a ReadWriteMany claim (a shared volume that
// every pod writes, which is how keys were once shared, and where SQLite is
// not safe).
func k8sKeyProblems(d appsv1.Deployment, claims []corev1.PersistentVolumeClaim, cm corev1.ConfigMap) []string {
	var out []string
	spec := d.Spec.Template.Spec
	c := spec.Containers[0]
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
		if v.PersistentVolumeClaim == nil {
			continue
		}
		i := slices.IndexFunc(claims, func(pvc corev1.PersistentVolumeClaim) bool { return pvc.Name == v.PersistentVolumeClaim.ClaimName })
		if i < 0 {
			out = append(out, fmt.Sprintf("volume %s claims %s, which is not defined", v.Name, v.PersistentVolumeClaim.ClaimName))
		} else if slices.Contains(claims[i].Spec.AccessModes, corev1.ReadWriteMany) {
			out = append(out, fmt.Sprintf("volume %s is the ReadWriteMany claim %s", v.Name, claims[i].Name))
		}
	}
	envOf := func(name string) string {
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value
			}
		}
		return cm.Data[name]
	}
	for _, key := range keysOf[c.Args[0]] {
		file := envOf(key)
		if file == "" || !path.IsAbs(file) {
			out = append(out, fmt.Sprintf("%s is %q, want an absolute path", key, file))
			continue
		}
		i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path.Dir(file) })
		if i < 0 {
			out = append(out, fmt.Sprintf("%s (%s) is in no mounted volume", key, file))
			continue
		}
		mount := c.VolumeMounts[i]
		v := volumes[mount.Name]
		switch {
		case v.Secret == nil:
			out = append(out, fmt.Sprintf("%s (%s) is on volume %s, which is not from a Secret", key, file, mount.Name))
		case !mount.ReadOnly:
			out = append(out, fmt.Sprintf("%s (%s) is on a writable mount", key, file))
		case len(v.Secret.Items) > 0 && !slices.ContainsFunc(v.Secret.Items, func(it corev1.KeyToPath) bool { return it.Path == path.Base(file) }):
			out = append(out, fmt.Sprintf("%s (%s): Secret volume %s does not project %s", key, file, mount.Name, path.Base(file)))
		}
	}
	return out
}

// composeKeyProblems is the same rule for a compose service: every key file
// is a secret of the project, mounted under /run/secrets (read-only), and
// no named volume or bind mount holds the keys.
func composeKeyProblems(p *types.Project, svc types.ServiceConfig, sub string) []string {
	var out []string
	for _, key := range keysOf[sub] {
		file := env(svc, key)
		if path.Dir(file) != "/run/secrets" {
			out = append(out, fmt.Sprintf("%s is %q, want a file under /run/secrets", key, file))
			continue
		}
		i := slices.IndexFunc(svc.Secrets, func(s types.ServiceSecretConfig) bool {
			target := s.Target
			if target == "" {
				target = s.Source
			}
			return path.Join("/run/secrets", target) == file
		})
		if i < 0 {
			out = append(out, fmt.Sprintf("%s (%s) is no secret of the service", key, file))
			continue
		}
		if sc, ok := p.Secrets[svc.Secrets[i].Source]; !ok || sc.File == "" {
			out = append(out, fmt.Sprintf("%s: secret %s is not declared with a file", key, svc.Secrets[i].Source))
		}
	}
	for _, v := range svc.Volumes {
		out = append(out, fmt.Sprintf("mounts %s on %s: the keys come from secrets, and nothing else is kept", v.Source, v.Target))
	}
	return out
}

// The key rule catches what it is there for: a Deployment that mounts a
// ReadWriteMany claim, or keeps a key on a volume that is not a Secret.
func TestKeyRuleCatchesSharedVolumes(t *testing.T) {
	m := loadManifests(t)
	cm := m.configMaps[0]
	var api appsv1.Deployment
	for _, d := range m.deployments {
		if d.Name == "iup-api" {
			api = *d.DeepCopy()
		}
	}
	if problems := k8sKeyProblems(api, nil, cm); len(problems) != 0 {
		t.Fatalf("the manifest itself: %v", problems)
	}
	rwx := []corev1.PersistentVolumeClaim{{Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}}}}
	rwx[0].Name = "iup-keys"

	shared := *api.DeepCopy()
	for i, v := range shared.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			shared.Spec.Template.Spec.Volumes[i].VolumeSource = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "iup-keys"}}
		}
	}
	if problems := k8sKeyProblems(shared, rwx, cm); len(problems) < 4 { // the claim, and each of the three keys
		t.Errorf("keys on a ReadWriteMany claim: %v", problems)
	}

	extra := *api.DeepCopy()
	extra.Spec.Template.Spec.Volumes = append(extra.Spec.Template.Spec.Volumes,
		corev1.Volume{Name: "more", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "iup-keys"}}})
	if problems := k8sKeyProblems(extra, rwx, cm); len(problems) != 1 {
		t.Errorf("a ReadWriteMany claim beside the Secret: %v", problems)
	}

	elsewhere := *api.DeepCopy()
	elsewhere.Spec.Template.Spec.Containers[0].Env = append(elsewhere.Spec.Template.Spec.Containers[0].Env,
		corev1.EnvVar{Name: "IUP_MASTER_KEY_FILE", Value: "/var/lib/iup/master.key"})
	if problems := k8sKeyProblems(elsewhere, nil, cm); len(problems) != 1 {
		t.Errorf("the master key on the scratch volume: %v", problems)
	}

	p := loadCompose(t, "docker-compose.yml")
	proj, _ := p.GetService("projector")
	proj.Secrets = nil
	if problems := composeKeyProblems(p, proj, "project"); len(problems) != 1 {
		t.Errorf("a compose projector without the master key secret: %v", problems)
	}
	proj.Volumes = []types.ServiceVolumeConfig{{Type: "volume", Source: "iup-keys", Target: "/run/secrets"}}
	if problems := composeKeyProblems(p, proj, "project"); len(problems) != 2 {
		t.Errorf("a compose projector with a keys volume: %v", problems)
	}
}

// maxAppendSize is KurrentDB's limit iupd needs (KURRENTDB_MAX_APPEND_SIZE).
const maxAppendSize = 4 << 20

// largestAppend bounds the bytes one command appends to one stream. A
// request body is at most handlers.DefaultMaxBody; its text reaches the
// stored events once, sealed (AES-GCM adds 28 bytes per field) and
// base64-encoded inside the event's JSON (x 4/3). UTF-8 text is stored as
// typed; JSON stores '<', '>' and '&' as six bytes each, but a text made of
// them is bounded by the per-field limits (10,000 characters), not by the
// body. Each event adds its type and metadata (ids, actor, hashes: under
// 2 KiB); a whole body's worth more is allowed for those.
func largestAppend() int {
	body := handlers.DefaultMaxBody
	return body*4/3 + body
}

// Every KurrentDB node, single or clustered, takes iupd's largest append.
func TestKurrentDBTakesTheLargestAppend(t *testing.T) {
	if largestAppend() >= maxAppendSize {
		t.Fatalf("the largest append (%d bytes) does not fit in %d", largestAppend(), maxAppendSize)
	}
	nodes := 0
	for _, file := range []string{"docker-compose.yml", "deploy/kurrentdb-cluster.yml"} {
		p := loadCompose(t, file)
		for _, svc := range p.Services {
			if !strings.HasPrefix(path.Base(svc.Image), "kurrentdb") {
				continue
			}
			nodes++
			got, err := strconv.Atoi(env(svc, "KURRENTDB_MAX_APPEND_SIZE"))
			if err != nil || got != maxAppendSize {
				t.Errorf("%s %s: KURRENTDB_MAX_APPEND_SIZE = %q, want %d", file, svc.Name, env(svc, "KURRENTDB_MAX_APPEND_SIZE"), maxAppendSize)
			}
		}
	}
	if nodes != 4 {
		t.Errorf("found %d KurrentDB services, want the single node and the three of the cluster", nodes)
	}
}
