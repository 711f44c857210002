package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/localpg"
)

func portFree(p int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func waitHTTP(url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v (last: %v)", url, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// redisCluster is three redis-server masters in cluster mode, without persistence: a node
// that restarts keeps its slots (nodes.conf) and loses its keys.
type redisCluster struct {
	dir   string
	addrs []string
	cmds  map[string]*exec.Cmd
}

func (rc *redisCluster) startNode(ps *procs, addr string) error {
	port := addr[strings.LastIndex(addr, ":")+1:]
	cmd, err := ps.start("redis-server", filepath.Join(rc.dir, "redis-"+port+".log"), nil,
		"--port", port, "--bind", "127.0.0.1", "--dir", rc.dir,
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes-"+port+".conf",
		"--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no",
		"--save", "", "--appendonly", "no")
	if err != nil {
		return err
	}
	rc.cmds[addr] = cmd
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for range 100 {
		if c.Ping(context.Background()).Err() == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redis node %s did not start", addr)
}

func startRedisCluster(ps *procs, dir string) (*redisCluster, error) {
	rc := &redisCluster{dir: dir, cmds: map[string]*exec.Cmd{}}
	for range 3 {
		p, err := freePortPair()
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(p)
		if err := rc.startNode(ps, addr); err != nil {
			return nil, err
		}
		rc.addrs = append(rc.addrs, addr)
	}
	args := append([]string{"--cluster", "create"}, rc.addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	if err := rc.waitOK(30 * time.Second); err != nil {
		return nil, err
	}
	return rc, nil
}

// waitOK waits until every node reports cluster_state:ok.
func (rc *redisCluster) waitOK(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ok := 0
		for _, a := range rc.addrs {
			c := redis.NewClient(&redis.Options{Addr: a})
			info, err := c.ClusterInfo(context.Background()).Result()
			c.Close()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				ok++
			}
		}
		if ok == len(rc.addrs) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis cluster not ok after %v", within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restartKeyNode kills the master serving key's slot, waits down, and starts it again.
func (rc *redisCluster) restartKeyNode(ps *procs, key string, down time.Duration) (string, error) {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.addrs})
	defer c.Close()
	ctx := context.Background()
	slot, err := c.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	addr := ""
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			addr = s.Nodes[0].Addr
		}
	}
	cmd := rc.cmds[addr]
	if cmd == nil {
		return addr, fmt.Errorf("no node of ours serves slot %d (%q)", slot, addr)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // it runs
	time.Sleep(down)
	if err := rc.startNode(ps, addr); err != nil {
		return addr, err
	}
	return addr, rc.waitOK(20 * time.Second)
}

// startHAProxy balances over the replicas, checking /readyz, and moves a request whose
// connection fails to another replica.
func startHAProxy(ps *procs, dir string, ports []int) (int, error) {
	port, err := localpg.FreePort()
	if err != nil {
		return 0, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 1024
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
    option http-server-close
frontend avrop
    bind 127.0.0.1:%d
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    default-server inter 300ms fall 2 rise 2
`, port)
	for i, p := range ports {
		fmt.Fprintf(&b, "    server avrop%d 127.0.0.1:%d check\n", i, p)
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return 0, err
	}
	if _, err := ps.start("haproxy", filepath.Join(dir, "haproxy.log"), nil, "-f", cfg, "-db"); err != nil {
		return 0, err
	}
	return port, nil
}
