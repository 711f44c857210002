package catalog

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/avrop/avrop/auth"
)

// TestSearchKeysMemo: the remembered hash of a search is the hash its filter and scope make,
// every field of either reaches the memo's key (a field it left out would serve one filter's
// page for another), spellings that normalise alike still share a page, and the memo stays
// within its bound.
func TestSearchKeysMemo(t *testing.T) {
	base := SearchFilter{Q: "Handske nitril", AgreementID: "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", SupplierID: "7f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f",
		CPV: "3314", EcoLabel: "svanen", Page: auth.Page{Page: 2, PageSize: 20}}
	sc := scope{org: "8f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", buyer: true}

	// Each field of SearchFilter and of scope, changed alone, changes the memo's key and the
	// hash. A new field fails here until both know it.
	vary := func(v reflect.Value, i int) {
		f := v.Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() // scope's fields are unexported
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.Struct: // auth.Page
			f.Field(0).SetInt(f.Field(0).Int() + 1)
		default:
			t.Fatalf("field %s of %s: teach this test its kind", v.Type().Field(i).Name, v.Type())
		}
	}
	in := string(appendSearchInput(nil, sc, base))
	h := searchHash(sc, base)
	for i := range reflect.TypeOf(base).NumField() {
		f := base
		vary(reflect.ValueOf(&f).Elem(), i)
		if string(appendSearchInput(nil, sc, f)) == in || searchHash(sc, f) == h {
			t.Errorf("SearchFilter.%s does not reach the search's cache key", reflect.TypeOf(base).Field(i).Name)
		}
	}
	if f := base; true {
		f.Page.PageSize++
		if string(appendSearchInput(nil, sc, f)) == in || searchHash(sc, f) == h {
			t.Error("the page size does not reach the search's cache key")
		}
	}
	for i := range reflect.TypeOf(sc).NumField() {
		s := sc
		vary(reflect.ValueOf(&s).Elem(), i)
		if string(appendSearchInput(nil, s, base)) == in || searchHash(s, base) == h {
			t.Errorf("scope.%s does not reach the search's cache key", reflect.TypeOf(sc).Field(i).Name)
		}
	}

	var k searchKeys
	for range 2 { // computed, then remembered
		if got := k.hash(sc, base); got != h {
			t.Fatalf("memo hash = %s, want %s", got, h)
		}
	}
	spaced := base
	spaced.Q = "  handske NITRIL "
	if k.hash(sc, spaced) != h {
		t.Fatal(`"  handske NITRIL " and "Handske nitril" no longer share a page`)
	}
	for i := range 3 * maxSearchKeys {
		f := base
		f.Page.Page = i + 10
		if got := k.hash(sc, f); got != searchHash(sc, f) {
			t.Fatalf("page %d: memo hash differs", f.Page.Page)
		}
	}
	if n := len(k.m); n > maxSearchKeys {
		t.Fatalf("memo holds %d keys, bound %d", n, maxSearchKeys)
	}
}

// TestDateTextFollowsTheDay: the date in cache keys is formatted once a day, never kept into
// the next (a price scheduled for tomorrow must not be served from today's entry).
func TestDateTextFollowsTheDay(t *testing.T) {
	day := time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC)
	for _, at := range []time.Time{day, day, day.Add(time.Second), day.Add(time.Second), day, day.AddDate(1, 0, 1)} {
		if got, want := dateText(at), at.UTC().Format(dateLayout); got != want {
			t.Fatalf("dateText(%v) = %s, want %s", at, got, want)
		}
	}
	stockholm := time.FixedZone("CEST", 2*3600)
	at := time.Date(2026, 4, 1, 1, 0, 0, 0, stockholm) // still 31 March in UTC
	if got := dateText(at); got != "2026-03-31" {
		t.Fatalf("dateText(%v) = %s, want the UTC date 2026-03-31", at, got)
	}
}
