// Package redisurl turns REDIS_URL into a go-redis universal client: one server
// (redis://, rediss://), a Redis Cluster (redis+cluster://a,b,c) or a master found through
// Sentinel (redis+sentinel://s1,s2,s3/mymaster). Every form gets the same short timeouts,
// because Avrop treats every Redis error as a cache miss and must fail fast.
package redisurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Kind names the form of a REDIS_URL.
type Kind string

// The forms of REDIS_URL.
const (
	Single   Kind = "single"
	Cluster  Kind = "cluster"
	Sentinel Kind = "sentinel"
)

// Target is a parsed REDIS_URL: exactly one of the option sets is filled, as Kind says.
type Target struct {
	Kind     Kind
	Single   *redis.Options
	Cluster  *redis.ClusterOptions
	Failover *redis.FailoverOptions
}

// Parse reads REDIS_URL. Besides go-redis' own redis:// and rediss:// it accepts
//
//	redis+cluster://[user:password@]host:port,host:port,…[?option=value…]
//	redis+sentinel://[user:password@]host:port,host:port,…/master-name[/db][?option=value…]
//
// (rediss+cluster and rediss+sentinel for TLS). The options are go-redis' URL options
// (dial_timeout, pool_size, …). For Sentinel the user and password are given both to the
// sentinels and to the master, the common setup where they share credentials.
func Parse(raw string) (Target, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Target{}, errors.New("REDIS_URL: want scheme://…")
	}
	switch scheme {
	case "redis", "rediss":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return Target{}, fmt.Errorf("REDIS_URL: %w", err)
		}
		return Target{Kind: Single, Single: o}, nil
	case "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel":
	default:
		return Target{}, fmt.Errorf("REDIS_URL: unknown scheme %q (want redis, rediss, redis+cluster or redis+sentinel)", scheme)
	}
	base, kind, _ := strings.Cut(scheme, "+")
	// Split off the query, then the path, then the user info, so that hosts may be a list.
	rest, query, _ := strings.Cut(rest, "?")
	hostPart, path, _ := strings.Cut(rest, "/")
	userinfo := ""
	if i := strings.LastIndex(hostPart, "@"); i >= 0 {
		userinfo, hostPart = hostPart[:i+1], hostPart[i+1:]
	}
	var hosts []string
	for _, h := range strings.Split(hostPart, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return Target{}, fmt.Errorf("REDIS_URL: %s needs at least one host:port", scheme)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Target{}, fmt.Errorf("REDIS_URL: %w", err)
	}
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	if kind == "cluster" {
		if path != "" {
			return Target{}, errors.New("REDIS_URL: a cluster has no database number or path (Redis Cluster serves database 0 only)")
		}
		o, err := redis.ParseClusterURL(base + "://" + userinfo + hosts[0] + "?" + q.Encode())
		if err != nil {
			return Target{}, fmt.Errorf("REDIS_URL: %w", err)
		}
		return Target{Kind: Cluster, Cluster: o}, nil
	}
	master, db, _ := strings.Cut(path, "/")
	if master == "" {
		return Target{}, errors.New("REDIS_URL: redis+sentinel needs the master's name: redis+sentinel://host:port,…/mymaster")
	}
	q.Set("master_name", master)
	o, err := redis.ParseFailoverURL(base + "://" + userinfo + hosts[0] + "/" + db + "?" + q.Encode())
	if err != nil {
		return Target{}, fmt.Errorf("REDIS_URL: %w", err)
	}
	o.Username, o.Password = o.SentinelUsername, o.SentinelPassword
	return Target{Kind: Sentinel, Failover: o}, nil
}

// Timeouts of Avrop's Redis clients: a slow or absent Redis must fail fast rather than hold
// requests, since every Redis error is a cache miss or an open rate limit.
const (
	dialTimeout = 200 * time.Millisecond
	ioTimeout   = 200 * time.Millisecond
	poolTimeout = 300 * time.Millisecond
)

// Open returns a client for REDIS_URL with short timeouts.
func Open(raw string) (redis.UniversalClient, Kind, error) {
	t, err := Parse(raw)
	if err != nil {
		return nil, "", err
	}
	switch t.Kind {
	case Cluster:
		o := t.Cluster
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, poolTimeout
		// go-redis' default retries (MaxRetries 0 means 3): a pooled connection to a node
		// that restarted fails once and is replaced; a cluster also follows MOVED/ASK
		// redirects and refreshes its slot map.
		o.MaxRetries = 0
		return redis.NewClusterClient(o), Cluster, nil
	case Sentinel:
		o := t.Failover
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, poolTimeout
		o.MaxRetries = 0
		return redis.NewFailoverClient(o), Sentinel, nil
	default:
		o := t.Single
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, poolTimeout
		o.MaxRetries = 0
		return redis.NewClient(o), Single, nil
	}
}
