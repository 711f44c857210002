package api

import (
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// accessLine is one request's access log line: the fields observe logs.
type accessLine struct {
	at                          time.Time
	method, path, route, client string
	status                      int
	durationUS                  int64  // logged in milliseconds, as observe logs it through slog
	userID, requestID           string // "" for none
}

// accessBufs are the buffers access lines are assembled in.
var accessBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeAccessLine writes l to w as one JSON line in the shape slog's JSON handler gives the
// same record (time, level, msg, the fields in observe's order, request_id last), assembled
// by hand: through slog the line cost ≈ 2 µs and three allocations, a tenth of a cached
// search's CPU (README, Speed). serve sets Deps.AccessLog to its log output; without it the
// line goes through Deps.Logger.
func writeAccessLine(w io.Writer, l *accessLine) {
	bp := accessBufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"time":"`...)
	b = appendRFC3339Nano(b, l.at)
	b = append(b, `","level":"INFO","msg":"request","method":`...)
	b = appendJSONString(b, l.method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, l.path)
	b = append(b, `,"route":`...)
	b = appendJSONString(b, l.route)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"duration_ms":`...)
	b = appendMillis(b, l.durationUS)
	b = append(b, `,"client":`...)
	b = appendJSONString(b, l.client)
	if l.userID != "" {
		b = append(b, `,"user_id":`...)
		b = appendJSONString(b, l.userID)
	}
	if l.requestID != "" {
		b = append(b, `,"request_id":`...)
		b = appendJSONString(b, l.requestID)
	}
	b = append(b, "}\n"...)
	w.Write(b) //nolint:errcheck // a log line has nowhere to report its loss
	*bp = b
	accessBufs.Put(bp)
}

// accessSecond is the text of one second in one location: what RFC 3339 writes before and
// after the fraction of a second.
type accessSecond struct {
	unix       int64
	loc        *time.Location
	date, zone []byte // "2006-01-02T15:04:05" and "Z07:00"
}

var lastSecond atomic.Pointer[accessSecond]

// appendRFC3339Nano is t.AppendFormat(b, time.RFC3339Nano), with the date, clock and zone
// formatted once per second (a line's time was a fifth of the line): only the nanoseconds are
// written for each line. The zone's offset is a function of the second and the location, so a
// second's text is the same for every instant in it.
func appendRFC3339Nano(b []byte, t time.Time) []byte {
	sec := t.Unix()
	s := lastSecond.Load()
	if s == nil || s.unix != sec || s.loc != t.Location() {
		s = &accessSecond{unix: sec, loc: t.Location(), date: t.AppendFormat(nil, "2006-01-02T15:04:05"), zone: t.AppendFormat(nil, "Z07:00")}
		lastSecond.Store(s)
	}
	b = append(b, s.date...)
	if ns := t.Nanosecond(); ns != 0 {
		var d [10]byte
		d[0] = '.'
		for i := 9; i >= 1; i-- {
			d[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return append(b, s.zone...)
}

// appendMillis appends us microseconds as milliseconds, in the text slog's JSON handler gives
// float64(us)/1000 (strconv's shortest 'g'), written as the decimal it is: strconv's float
// formatting was a tenth of the access line. From 1,000 s on, 'g' turns to an exponent, and
// so does this, through strconv.
func appendMillis(b []byte, us int64) []byte {
	if us < 0 || us >= 1e9 {
		return strconv.AppendFloat(b, float64(us)/1000, 'g', -1, 64)
	}
	b = strconv.AppendInt(b, us/1000, 10)
	if frac := us % 1000; frac != 0 {
		d := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		n := 4
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return b
}

// appendJSONString appends s as a JSON string: as is when it is printable ASCII without quote
// or backslash (paths, ids, addresses), else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
