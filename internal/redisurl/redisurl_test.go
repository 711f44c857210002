package redisurl_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/redisurl"
)

func TestParse(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		got, err := redisurl.Parse("redis://:secret@cache.internal:6380/2")
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != redisurl.Single || got.Single.Addr != "cache.internal:6380" || got.Single.DB != 2 || got.Single.Password != "secret" {
			t.Fatalf("got %+v %+v", got, got.Single)
		}
	})
	t.Run("single TLS", func(t *testing.T) {
		got, err := redisurl.Parse("rediss://cache.internal:6380/0")
		if err != nil || got.Single.TLSConfig == nil {
			t.Fatalf("got %+v, %v; want TLS", got, err)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		got, err := redisurl.Parse("redis+cluster://avrop:pw@10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000?dial_timeout=1s&pool_size=7")
		if err != nil {
			t.Fatal(err)
		}
		o := got.Cluster
		if got.Kind != redisurl.Cluster || !reflect.DeepEqual(o.Addrs, []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}) {
			t.Fatalf("kind %s addrs %v, want cluster of three", got.Kind, o.Addrs)
		}
		if o.Username != "avrop" || o.Password != "pw" || o.DialTimeout != time.Second || o.PoolSize != 7 || o.TLSConfig != nil {
			t.Fatalf("options %+v", o)
		}
	})
	t.Run("cluster one seed TLS", func(t *testing.T) {
		got, err := redisurl.Parse("rediss+cluster://redis-cluster:6379")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Cluster.Addrs, []string{"redis-cluster:6379"}) || got.Cluster.TLSConfig == nil {
			t.Fatalf("got %+v", got.Cluster)
		}
	})
	t.Run("sentinel", func(t *testing.T) {
		got, err := redisurl.Parse("redis+sentinel://:pw@s1:26379,s2:26379,s3:26379/mymaster/3?read_timeout=500ms")
		if err != nil {
			t.Fatal(err)
		}
		o := got.Failover
		if got.Kind != redisurl.Sentinel || o.MasterName != "mymaster" || o.DB != 3 ||
			!reflect.DeepEqual(o.SentinelAddrs, []string{"s1:26379", "s2:26379", "s3:26379"}) {
			t.Fatalf("got %s %+v", got.Kind, o)
		}
		if o.SentinelPassword != "pw" || o.Password != "pw" || o.ReadTimeout != 500*time.Millisecond {
			t.Fatalf("credentials or options: %+v", o)
		}
	})
	t.Run("sentinel without db", func(t *testing.T) {
		got, err := redisurl.Parse("redis+sentinel://s1:26379/mymaster")
		if err != nil || got.Failover.MasterName != "mymaster" || got.Failover.DB != 0 {
			t.Fatalf("got %+v, %v", got.Failover, err)
		}
	})
	for _, bad := range []struct{ name, url, want string }{
		{"no scheme", "localhost:6379", "scheme"},
		{"unknown scheme", "memcache://x:1", "unknown scheme"},
		{"cluster without hosts", "redis+cluster://", "at least one host"},
		{"cluster with a db", "redis+cluster://a:1,b:2/3", "database 0 only"},
		{"sentinel without master", "redis+sentinel://s1:26379", "master's name"},
		{"sentinel bad db", "redis+sentinel://s1:26379/m/x", "database number"},
		{"unknown option", "redis+cluster://a:1?colour=red", "colour"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := redisurl.Parse(bad.url)
			if err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Fatalf("Parse(%q) error %v, want one naming %q", bad.url, err, bad.want)
			}
		})
	}
}

// Open gives every form the same short timeouts.
func TestOpenKinds(t *testing.T) {
	for url, want := range map[string]redisurl.Kind{
		"redis://127.0.0.1:1/0":              redisurl.Single,
		"redis+cluster://127.0.0.1:1,h:2":    redisurl.Cluster,
		"redis+sentinel://127.0.0.1:1/mymas": redisurl.Sentinel,
	} {
		c, kind, err := redisurl.Open(url)
		if err != nil || kind != want {
			t.Fatalf("Open(%q) = %s, %v; want %s", url, kind, err, want)
		}
		c.Close()
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"redis://a:1/0", "redis+cluster://a:1,b:2?pool_size=3", "redis+sentinel://:p@s:1/m/2", "rediss+cluster://@,/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := redisurl.Parse(s)
		if err != nil {
			return
		}
		n := 0
		if got.Single != nil {
			n++
		}
		if got.Cluster != nil {
			n++
		}
		if got.Failover != nil {
			n++
		}
		if n != 1 {
			t.Fatalf("Parse(%q) filled %d option sets, want 1", s, n)
		}
	})
}
