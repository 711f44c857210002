package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/avrop/avrop/bench/internal/benchdb"
)

// wrkResult is one wrk run: requests per second and the server's CPU per request.
type wrkResult struct {
	rps float64
	cpu time.Duration
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrkLoad measures url with wrk (Debian's wrk, the load generator the issue's own figures
// were taken with) when it is installed: 2 threads and conc connections for d, gzip accepted
// as browsers do. The Go clients of load cost the shared two cores about as much per request
// as the server does, more for a 2.3 KB body than for /healthz's few bytes, so their req/s
// ratio understates the server's; wrk's C client costs far less. ok is false without wrk.
func wrkLoad(ctx context.Context, srv *benchdb.Server, url, token string, conc int, d time.Duration) (wrkResult, bool, error) {
	bin, err := exec.LookPath("wrk")
	if err != nil {
		return wrkResult{}, false, nil
	}
	secs := max(1, int(d.Seconds())) // wrk takes whole seconds
	args := []string{"-t2", "-c" + strconv.Itoa(conc), "-d" + strconv.Itoa(secs) + "s", "-H", "Accept-Encoding: gzip"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	cpu0 := srv.CPU()
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).CombinedOutput()
	if err != nil {
		return wrkResult{}, true, fmt.Errorf("wrk %s: %w: %s", url, err, out)
	}
	m := wrkRPS.FindSubmatch(out)
	if m == nil {
		return wrkResult{}, true, fmt.Errorf("wrk %s: no Requests/sec in %s", url, out)
	}
	rps, _ := strconv.ParseFloat(string(m[1]), 64)
	r := wrkResult{rps: rps}
	if n := rps * float64(secs); n > 0 {
		r.cpu = time.Duration(float64(srv.CPU()-cpu0) / n)
	}
	return r, true, nil
}
