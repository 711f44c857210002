// Command clustertest is `make cluster-test`: on one machine it starts a PostgreSQL primary
// with one streaming replica, a three-node Redis Cluster and three `avrop serve` replicas
// behind HAProxy, drives mixed load through HAProxy (orders with Idempotency-Keys, follow-up
// reads right after each write, catalogue searches, /me) while it stops one replica
// (SIGTERM, as an orchestrator does), restarts the Redis node holding the catalogue's version
// key and stops the PostgreSQL replica, and then checks: no lost or doubled order, no ceiling
// overrun, no stale follow-up read after a client's own write, no 5xx but 503, no client
// signed out. It prints the figures and exits non-zero when a check fails.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/avrop/avrop/internal/localpg"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cluster-test:", err)
		os.Exit(1)
	}
}

// Shape of the test, sized for a 2-core machine.
const (
	replicas    = 3
	clients     = 8
	loadFor     = 36 * time.Second
	killAt      = 6 * time.Second  // SIGTERM one avrop replica
	redisAt     = 13 * time.Second // restart the Redis node holding the catalogue's version key
	redisDown   = 2 * time.Second
	pgReplicaAt = 21 * time.Second // stop the PostgreSQL replica
	poolSize    = 8
	jwtSecret   = "cluster-test-secret-0123456789abcdef0123456789"
)

// procs are the processes this test started, stopped at the end.
type procs struct{ list []*exec.Cmd }

func (p *procs) start(name, logPath string, env []string, args ...string) (*exec.Cmd, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.list = append(p.list, cmd)
	go cmd.Wait() //nolint:errcheck // reaped; exit status is not needed
	return cmd, nil
}

func (p *procs) stopAll() {
	for _, c := range p.list {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL) //nolint:errcheck // may have exited
		}
	}
}

// freePortPair returns a port whose +10000 (Redis Cluster's bus port) is free too.
func freePortPair() (int, error) {
	for range 50 {
		p, err := localpg.FreePort()
		if err != nil {
			return 0, err
		}
		if p+10000 > 65535 {
			continue
		}
		if ok := portFree(p + 10000); ok {
			return p, nil
		}
	}
	return 0, errors.New("no free port pair")
}

func run() error {
	started := time.Now()
	for _, bin := range []string{"haproxy", "redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not installed (apt-get install haproxy redis-server)", bin)
		}
	}
	if !localpg.Available() {
		return errors.New("PostgreSQL server programs not installed")
	}
	dir, err := os.MkdirTemp("", "avrop-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var ps procs
	defer ps.stopAll()
	ctx := context.Background()

	step := func(format string, args ...any) {
		fmt.Printf("[%5.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
	}

	// The avrop binary.
	bin := filepath.Join(dir, "avrop")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/avrop").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v: %s", err, out)
	}
	step("built avrop")

	// PostgreSQL primary and streaming replica.
	primary, err := localpg.StartPrimary(ctx, map[string]string{"max_connections": "60"})
	if err != nil {
		return err
	}
	defer primary.Remove()
	replica, err := primary.StartReplica(ctx)
	if err != nil {
		return err
	}
	defer replica.Remove()
	step("PostgreSQL primary on %d, streaming replica on %d", primary.Port, replica.Port)

	// Redis Cluster of three masters.
	rc, err := startRedisCluster(&ps, dir)
	if err != nil {
		return err
	}
	step("Redis Cluster on %v", rc.addrs)

	// Migrations and the world the clients order in.
	env := []string{"DATABASE_URL=" + primary.URL("avrop"), "DATABASE_REPLICA_URL=" + replica.URL("avrop"),
		"REDIS_URL=redis+cluster://" + strings.Join(rc.addrs, ","), "AVROP_JWT_SECRET=" + jwtSecret,
		"AVROP_ENV=production", "DATABASE_POOL_SIZE=" + strconv.Itoa(poolSize), "AVROP_SHUTDOWN_TIMEOUT=15s", "AVROP_JOBS_TICK=2s"}
	mig := exec.Command(bin, "migrate")
	mig.Env = append(os.Environ(), env...)
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %v: %s", err, out)
	}
	w, err := setupWorld(ctx, primary.URL("avrop"), clients)
	if err != nil {
		return err
	}
	step("world: agreement with ceiling %d, %d buyers with an orderer each", w.ceiling, clients)

	// Three replicas of avrop serve and HAProxy in front.
	var serveCmds []*exec.Cmd
	var ports []int
	for i := range replicas {
		port, err := localpg.FreePort()
		if err != nil {
			return err
		}
		cmd, err := ps.start(bin, filepath.Join(dir, fmt.Sprintf("avrop-%d.log", i)), append(env, fmt.Sprintf("AVROP_ADDR=127.0.0.1:%d", port)), "serve")
		if err != nil {
			return err
		}
		serveCmds, ports = append(serveCmds, cmd), append(ports, port)
	}
	for _, p := range ports {
		if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/readyz", p), 60*time.Second); err != nil {
			return err
		}
	}
	proxyPort, err := startHAProxy(&ps, dir, ports)
	if err != nil {
		return err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", proxyPort)
	if err := waitHTTP(base+"/readyz", 20*time.Second); err != nil {
		return err
	}
	step("3 avrop replicas on %v behind HAProxy on %d", ports, proxyPort)

	// Load, with the faults on a timeline.
	lctx, stop := context.WithTimeout(ctx, loadFor)
	defer stop()
	res := make(chan *clientStats, clients)
	for i := range clients {
		go func() { res <- runClient(lctx, base, w, i) }()
	}
	loadStart := time.Now()
	events := []struct {
		at time.Duration
		do func() error
	}{
		{killAt, func() error {
			step("SIGTERM avrop replica 0 (port %d)", ports[0])
			return serveCmds[0].Process.Signal(syscall.SIGTERM)
		}},
		{redisAt, func() error {
			addr, err := rc.restartKeyNode(&ps, "avrop:catalog:version", redisDown)
			step("restarted the Redis node holding the catalogue's version key (%s, down %v)", addr, redisDown)
			return err
		}},
		{pgReplicaAt, func() error {
			step("stopping the PostgreSQL replica")
			return replica.Stop(ctx)
		}},
	}
	for _, e := range events {
		time.Sleep(time.Until(loadStart.Add(e.at)))
		if err := e.do(); err != nil {
			return err
		}
	}
	total := &clientStats{status: map[int]int{}}
	for range clients {
		total.add(<-res)
	}
	elapsed := time.Since(loadStart)
	step("load done")
	// Peak resident memory of the replicas that served to the end (VmHWM, from /proc).
	for i, c := range serveCmds[1:] {
		fmt.Printf("avrop replica %d: peak RSS %s\n", i+1, peakRSS(c.Process.Pid))
	}

	problems, err := check(ctx, primary.URL("avrop"), w, total)
	if err != nil {
		return err
	}
	report(total, elapsed, problems)
	fmt.Printf("cluster-test took %.0fs in all\n", time.Since(started).Seconds())
	if len(problems) > 0 {
		return fmt.Errorf("%d checks failed; logs were in %s", len(problems), dir)
	}
	return nil
}

// peakRSS reads a process's peak resident set size from /proc.
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
