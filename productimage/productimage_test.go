package productimage

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/avrop/avrop/internal/derr"
)

// TestPNG encodes a w×h picture as PNG; transparent makes its corner pixel see-through.
func pngOf(tb testing.TB, w, h int, transparent bool) []byte {
	tb.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	if transparent {
		m.Set(0, 0, color.NRGBA{})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func testJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeSize(t *testing.T, b []byte) (string, int, int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("variant does not decode: %v", err)
	}
	return format, cfg.Width, cfg.Height
}

func TestNormaliseAcceptsPictures(t *testing.T) {
	for _, tc := range []struct {
		name             string
		data             []byte
		wantType         string
		wantW, wantH     int // full size
		wantMW, wantMH   int // 480 variant
		wantSW, wantSH   int // 96 variant
		wantFormat       string
		unchangedPayload bool
	}{
		{name: "large opaque PNG becomes JPEG", data: pngOf(t, 2000, 1000, false), wantType: "image/jpeg",
			wantW: 1600, wantH: 800, wantMW: 480, wantMH: 240, wantSW: 96, wantSH: 48, wantFormat: "jpeg"},
		{name: "transparent PNG stays PNG", data: pngOf(t, 300, 600, true), wantType: "image/png",
			wantW: 300, wantH: 600, wantMW: 240, wantMH: 480, wantSW: 48, wantSH: 96, wantFormat: "png"},
		{name: "small JPEG is not scaled up", data: testJPEG(t, 50, 40), wantType: "image/jpeg",
			wantW: 50, wantH: 40, wantMW: 50, wantMH: 40, wantSW: 50, wantSH: 40, wantFormat: "jpeg"},
		{name: "lossy WebP", data: readFile(t, "testdata/blue-purple-pink.lossy.webp"), wantType: "image/jpeg",
			wantW: 150, wantH: 100, wantMW: 150, wantMH: 100, wantSW: 96, wantSH: 64, wantFormat: "jpeg"},
		{name: "WebP with alpha", data: readFile(t, "testdata/yellow_rose.lossy-with-alpha.webp"), wantType: "image/png",
			wantW: 400, wantH: 301, wantMW: 400, wantMH: 301, wantSW: 96, wantSH: 72, wantFormat: "png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im, err := Normalise(tc.data)
			if err != nil {
				t.Fatalf("Normalise: %v", err)
			}
			if im.ContentType != tc.wantType {
				t.Errorf("content type %q, want %q", im.ContentType, tc.wantType)
			}
			if len(im.Hash) != 64 {
				t.Errorf("hash %q, want 64 hex digits", im.Hash)
			}
			if bytes.Equal(im.Full, tc.data) {
				t.Error("the full image is the bytes sent; want them encoded again")
			}
			for _, v := range []struct {
				name string
				b    []byte
				w, h int
			}{{"full", im.Full, tc.wantW, tc.wantH}, {"480", im.Medium, tc.wantMW, tc.wantMH}, {"96", im.Small, tc.wantSW, tc.wantSH}} {
				format, w, h := decodeSize(t, v.b)
				if format != tc.wantFormat || w != v.w || h != v.h {
					t.Errorf("%s: %s %d×%d, want %s %d×%d", v.name, format, w, h, tc.wantFormat, v.w, v.h)
				}
			}
			if im.Width != tc.wantW || im.Height != tc.wantH {
				t.Errorf("Width×Height %d×%d, want %d×%d", im.Width, im.Height, tc.wantW, tc.wantH)
			}
		})
	}
}

func TestNormaliseRefuses(t *testing.T) {
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, _ := zw.Create("a.png")
	f.Write(pngOf(t, 4, 4, false))
	zw.Close()
	good := pngOf(t, 64, 64, false)
	truncated := good[:len(good)/2]
	junk := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("junk"), 100)...)
	// A PNG whose header claims 50000×50000 pixels: refused from the header, never decoded.
	bomb := pngWithSize(t, 50000, 50000)
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`)
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	html := []byte("<html><body><img src=x onerror=alert(1)></body></html>")
	for _, tc := range []struct {
		name     string
		data     []byte
		wantKind derr.Kind
		wantCode string
	}{
		{"PNG header with junk", junk, derr.Invalid, "image_invalid"},
		{"truncated PNG", truncated, derr.Invalid, "image_invalid"},
		{"zip", zipped.Bytes(), derr.Invalid, "image_type"},
		{"SVG", svg, derr.Invalid, "image_type"},
		{"GIF", gif, derr.Invalid, "image_type"},
		{"HTML", html, derr.Invalid, "image_type"},
		{"empty", nil, derr.Invalid, "image_type"},
		{"decompression bomb", bomb, derr.Invalid, "image_dimensions"},
		{"over the byte limit", append(pngOf(t, 8, 8, false), make([]byte, MaxBytes)...), derr.TooLarge, "image_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Normalise(tc.data)
			if !derr.Is(err, tc.wantKind) {
				t.Fatalf("err %v, want kind %v", err, tc.wantKind)
			}
			var e *derr.Error
			errors.As(err, &e)
			if len(e.Fields) != 1 || e.Fields[0].Code != tc.wantCode || e.Fields[0].Field != "image" {
				t.Errorf("fields %+v, want one on image with code %s", e.Fields, tc.wantCode)
			}
		})
	}
}

// pngWithSize returns a 1×1 PNG whose header is rewritten (with its checksum) to claim w×h.
func pngWithSize(t *testing.T, w, h int) []byte {
	t.Helper()
	b := pngOf(t, 1, 1, false)
	// IHDR data starts at byte 16: width, height as big-endian uint32.
	put := func(off, v int) { b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	put(16, w)
	put(20, h)
	put(29, int(crc32.ChecksumIEEE(b[12:29])))
	return b
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{pngOf(t, 2, 2, false), "image/png"},
		{testJPEG(t, 2, 2), "image/jpeg"},
		{readFile(t, "testdata/blue-purple-pink.lossy.webp"), "image/webp"},
		{[]byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), ""},
		{[]byte("PK\x03\x04"), ""},
	} {
		if got := Sniff(tc.data); got != tc.want {
			t.Errorf("Sniff(%q…) = %q, want %q", tc.data[:min(8, len(tc.data))], got, tc.want)
		}
	}
}

// FuzzNormalise feeds the intake arbitrary bytes: it never panics, and whatever it accepts
// comes out as a decodable picture of the announced type within the served sizes.
func FuzzNormalise(f *testing.F) {
	f.Add(pngOf(f, 3, 2, false))
	f.Add(pngOf(f, 2, 3, true))
	f.Add(testJPEG(f, 5, 5))
	f.Add(readFile(f, "testdata/blue-purple-pink.lossy.webp"))
	f.Add([]byte("\x89PNG\r\n\x1a\njunk"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := Normalise(data)
		if err != nil {
			var e *derr.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a derr.Error", err)
			}
			return
		}
		for _, v := range [][]byte{im.Full, im.Medium, im.Small} {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(v))
			if err != nil {
				t.Fatalf("variant does not decode: %v", err)
			}
			if "image/"+format != im.ContentType || cfg.Width > FullSide || cfg.Height > FullSide {
				t.Fatalf("variant %s %d×%d, announced %s", format, cfg.Width, cfg.Height, im.ContentType)
			}
		}
	})
}
