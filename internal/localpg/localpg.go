// Package localpg starts throwaway PostgreSQL servers in temporary folders on free ports — a
// primary, and streaming replicas of it made with pg_basebackup — for tests that must stop a
// server or need a replica, and for `make cluster-test`. The shared PostgreSQL of the machine
// is never touched. When run as root the servers run as the postgres user, since PostgreSQL
// refuses to run as root.
package localpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one PostgreSQL server in its own data folder.
type Server struct {
	Dir  string // data folder
	Port int
	bin  string
	cred *syscall.Credential
}

// Available reports whether PostgreSQL's server programs are installed.
func Available() bool { _, err := binDir(); return err == nil }

func binDir() (string, error) {
	// Debian keeps the server programs out of PATH, one folder per major version.
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_basebackup")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1]), nil
	}
	if p, err := exec.LookPath("pg_basebackup"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("localpg: pg_ctl not found (install postgresql)")
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newServer makes an empty data folder owned by the user the server will run as.
func newServer() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "avrop-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Port: port, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("localpg: running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = os.TempDir()
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("localpg: %s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// StartPrimary initialises a new cluster (trust authentication on loopback, replication
// allowed) with the given settings added to postgresql.conf, and starts it.
func StartPrimary(ctx context.Context, settings map[string]string) (*Server, error) {
	s, err := newServer()
	if err != nil {
		return nil, err
	}
	if err := s.run(ctx, "initdb", "-D", s.Dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		s.Remove()
		return nil, err
	}
	base := map[string]string{
		"wal_level": "replica", "max_wal_senders": "5", "hot_standby": "on",
		"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
		"shared_buffers": "32MB", "max_connections": "100",
	}
	for k, v := range settings {
		base[k] = v
	}
	if err := s.appendConf(base); err != nil {
		s.Remove()
		return nil, err
	}
	if err := s.Start(ctx); err != nil {
		s.Remove()
		return nil, err
	}
	return s, nil
}

// StartReplica copies the primary with pg_basebackup into a new folder, configured as a hot
// standby streaming from it (-R), and starts it.
func (s *Server) StartReplica(ctx context.Context) (*Server, error) {
	r, err := newServer()
	if err != nil {
		return nil, err
	}
	if err := r.run(ctx, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres",
		"-D", r.Dir, "-R", "-X", "stream", "--no-sync"); err != nil {
		r.Remove()
		return nil, err
	}
	if err := r.Start(ctx); err != nil {
		r.Remove()
		return nil, err
	}
	return r, nil
}

func (s *Server) appendConf(settings map[string]string) error {
	var b strings.Builder
	for k, v := range settings {
		fmt.Fprintf(&b, "%s = '%s'\n", k, v)
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(b.String())
	return err
}

// Start starts the server (again) and waits until it accepts connections.
func (s *Server) Start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", s.Port, s.Dir)
	return s.run(ctx, "pg_ctl", "-D", s.Dir, "-l", filepath.Join(s.Dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
}

// Stop stops the server with a fast shutdown (sessions are cut, no crash recovery needed).
func (s *Server) Stop(ctx context.Context) error {
	return s.run(ctx, "pg_ctl", "-D", s.Dir, "-m", "fast", "-w", "-t", "60", "stop")
}

// Remove stops the server if it runs and deletes its folder.
func (s *Server) Remove() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := os.Stat(filepath.Join(s.Dir, "postmaster.pid")); err == nil {
		s.run(ctx, "pg_ctl", "-D", s.Dir, "-m", "immediate", "-w", "stop") //nolint:errcheck // best effort
	}
	os.RemoveAll(s.Dir)
}

// URL is the connection URL of database db on this server.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}
