package catalog

import (
	"strconv"
	"strings"
	"sync"
)

// searchKeys remembers the cache-key hash of search filters as they arrived (the scope and the
// parameters as given), so that a hot search — the same page asked again and again — does not
// parse its query, clean it and hash the parts on every request (a tenth of a cached search's
// CPU with the allocations they made). The hash is a function of exactly what the memo's key
// holds, so the memo can only save work, never change a key; it is emptied when full.
type searchKeys struct {
	mu sync.RWMutex
	m  map[string]string
}

const maxSearchKeys = 4096

// hash is searchHash(sc, f), remembered. f.Page must be normalised.
func (k *searchKeys) hash(sc scope, f SearchFilter) string {
	var buf [256]byte
	in := appendSearchInput(buf[:0], sc, f)
	k.mu.RLock()
	h, ok := k.m[string(in)] // the conversion in a map index does not allocate
	k.mu.RUnlock()
	if ok {
		return h
	}
	h = searchHash(sc, f)
	k.mu.Lock()
	if k.m == nil || len(k.m) >= maxSearchKeys {
		k.m = make(map[string]string)
	}
	k.m[string(in)] = h
	k.mu.Unlock()
	return h
}

// appendSearchInput appends everything searchHash reads, unambiguously (a NUL ends each text).
func appendSearchInput(b []byte, sc scope, f SearchFilter) []byte {
	for _, flag := range []bool{sc.all, sc.manager, sc.buyer, sc.supplier, f.Eco} {
		if flag {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	for _, t := range []string{sc.org, f.Q, f.AgreementID, f.SupplierID, f.CPV, f.EcoLabel} {
		b = append(append(b, t...), 0)
	}
	b = strconv.AppendInt(b, int64(f.Page.Page), 10)
	b = append(b, 0)
	return strconv.AppendInt(b, int64(f.Page.PageSize), 10)
}

// searchHash is the cache-key part of a search: the scope, the query's words and the query as
// typed (both normalised, so "Handske " and "handske" share a page), the filters and the page.
func searchHash(sc scope, f SearchFilter) string {
	eco := "0"
	if f.Eco {
		eco = "1"
	}
	return hashKey(sc.key(), strings.Join(parseQuery(f.Q), " "), cleanRaw(f.Q), f.AgreementID, f.SupplierID, f.CPV, eco,
		f.EcoLabel, strconv.Itoa(f.Page.Page), strconv.Itoa(f.Page.PageSize))
}
