// Package check validates Avrop's deployment files offline: every Kubernetes manifest decodes
// strictly (an unknown or misspelt field fails) into the typed API structs of k8s.io/api,
// which are the schema the API server validates against, and the rules the README promises
// hold — readiness on /readyz, a preStop drain inside the grace period, resource requests, a
// PodDisruptionBudget matching the pods, migrations as a Job, and compose running two replicas
// behind a proxy. It is a module of its own so that the product's go.mod carries none of
// Kubernetes' dependencies; `make deploy-check` runs it.
package check

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

const dir = "../kubernetes"

type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Labels     []struct {
		Pairs            map[string]string `json:"pairs"`
		IncludeSelectors bool              `json:"includeSelectors"`
	} `json:"labels"`
	Images []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// manifests are the decoded resources the kustomization lists.
type manifests struct {
	deployments []appsv1.Deployment
	jobs        []batchv1.Job
	services    []corev1.Service
	pdbs        []policyv1.PodDisruptionBudget
}

func load(t *testing.T) manifests {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.Kind != "Kustomization" || len(k.Resources) == 0 {
		t.Fatalf("kustomization.yaml: kind %q with %d resources", k.Kind, len(k.Resources))
	}
	var m manifests
	for _, name := range k.Resources {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("kustomization lists %s: %v", name, err)
		}
		for i, doc := range bytes.Split(b, []byte("\n---")) {
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s #%d: %v", name, i, err)
			}
			var target any
			switch meta.APIVersion + " " + meta.Kind {
			case "apps/v1 Deployment":
				m.deployments = append(m.deployments, appsv1.Deployment{})
				target = &m.deployments[len(m.deployments)-1]
			case "batch/v1 Job":
				m.jobs = append(m.jobs, batchv1.Job{})
				target = &m.jobs[len(m.jobs)-1]
			case "v1 Service":
				m.services = append(m.services, corev1.Service{})
				target = &m.services[len(m.services)-1]
			case "policy/v1 PodDisruptionBudget":
				m.pdbs = append(m.pdbs, policyv1.PodDisruptionBudget{})
				target = &m.pdbs[len(m.pdbs)-1]
			default:
				t.Fatalf("%s #%d: unexpected %s %s (add it to the check)", name, i, meta.APIVersion, meta.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, target); err != nil {
				t.Fatalf("%s #%d (%s): %v", name, i, meta.Kind, err)
			}
		}
	}
	return m
}

func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetesManifests(t *testing.T) {
	m := load(t)
	if len(m.deployments) != 1 || len(m.jobs) != 1 || len(m.services) != 1 || len(m.pdbs) != 1 {
		t.Fatalf("want one Deployment, Job, Service and PodDisruptionBudget; got %d, %d, %d, %d",
			len(m.deployments), len(m.jobs), len(m.services), len(m.pdbs))
	}
	d := m.deployments[0]
	pod := d.Spec.Template
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Error("the Deployment must run at least two replicas")
	}
	if d.Spec.Selector == nil || !matches(d.Spec.Selector.MatchLabels, pod.Labels) {
		t.Error("the Deployment's selector does not match its pods")
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Error("readiness must be an HTTP GET of /readyz")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("liveness must be an HTTP GET of /healthz (never /readyz: a database outage must not restart every pod)")
	}
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Sleep.Seconds < 5 {
		t.Error("preStop must wait (sleep ≥ 5 s) while the Service stops routing to the pod")
	}
	shutdown := 20.0
	for _, e := range c.Env {
		if e.Name == "AVROP_SHUTDOWN_TIMEOUT" {
			s := strings.TrimSuffix(e.Value, "s")
			var v float64
			for _, r := range s {
				v = v*10 + float64(r-'0')
			}
			shutdown = v
		}
	}
	grace := int64(30)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil &&
		float64(c.Lifecycle.PreStop.Sleep.Seconds)+shutdown > float64(grace) {
		t.Errorf("preStop %ds + shutdown %.0fs exceed the grace period %ds: in-flight requests would be killed",
			c.Lifecycle.PreStop.Sleep.Seconds, shutdown, grace)
	}
	for _, ctr := range append(pod.Spec.Containers, m.jobs[0].Spec.Template.Spec.Containers...) {
		if ctr.Resources.Requests.Cpu().IsZero() || ctr.Resources.Requests.Memory().IsZero() {
			t.Errorf("container %s has no CPU and memory requests", ctr.Name)
		}
		if ctr.Resources.Limits.Memory().IsZero() {
			t.Errorf("container %s has no memory limit", ctr.Name)
		}
	}
	job := m.jobs[0]
	if got := job.Spec.Template.Spec.Containers[0].Args; len(got) != 1 || got[0] != "migrate" {
		t.Errorf("the Job runs %v, want [migrate]", got)
	}
	if p := job.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyOnFailure && p != corev1.RestartPolicyNever {
		t.Errorf("the Job's restartPolicy is %q", p)
	}
	pdb := m.pdbs[0]
	if pdb.Spec.Selector == nil || !matches(pdb.Spec.Selector.MatchLabels, pod.Labels) {
		t.Error("the PodDisruptionBudget does not select the Deployment's pods")
	}
	if pdb.Spec.MaxUnavailable == nil && pdb.Spec.MinAvailable == nil {
		t.Error("the PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}
	if !matches(m.services[0].Spec.Selector, pod.Labels) {
		t.Error("the Service does not select the Deployment's pods")
	}
}

// Compose runs migrations once, two replicas without ports of their own, and a proxy in front.
func TestComposeTwoReplicasBehindAProxy(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			Image     string         `json:"image"`
			Deploy    map[string]any `json:"deploy"`
			Ports     []string       `json:"ports"`
			Volumes   []string       `json:"volumes"`
			DependsOn any            `json:"depends_on"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	app, ok := f.Services["avrop"]
	if !ok {
		t.Fatal("no avrop service")
	}
	if r, _ := app.Deploy["replicas"].(float64); r != 2 {
		t.Errorf("avrop runs %v replicas, want 2", app.Deploy["replicas"])
	}
	if len(app.Ports) != 0 {
		t.Error("the replicas publish ports of their own; only the proxy should")
	}
	if _, ok := f.Services["migrate"]; !ok {
		t.Error("no migrate service")
	}
	proxy, ok := f.Services["proxy"]
	if !ok || len(proxy.Ports) == 0 {
		t.Fatal("no proxy service publishing a port")
	}
	cfg, err := os.ReadFile("../compose/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"option httpchk GET /readyz", "server-template avrop", "retry-on conn-failure"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("haproxy.cfg lacks %q", want)
		}
	}
}
