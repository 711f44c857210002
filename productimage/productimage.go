// Package productimage turns a product picture a supplier sends (an upload, a price list's
// image_url, a PEPPOL catalogue attachment) into the images Avrop stores and serves: only PNG,
// JPEG and WebP are accepted, every one is decoded and encoded again (the bytes a supplier sent
// are never served, so a polyglot file or a script hidden in metadata goes no further), and
// thumbnails are made once at intake. It is a leaf like peppol: bytes in, images out, no
// database and no domain rules.
package productimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/avrop/avrop/internal/derr"
)

// Intake limits. MaxBytes bounds what is read (an upload, a fetch, an attachment); MaxPixels
// bounds what is decoded, checked from the header before decoding, so a small file claiming a
// huge canvas (a decompression bomb) is refused without allocating it.
const (
	MaxBytes  = 5 << 20
	MaxPixels = 40_000_000
	MaxSide   = 12_000
)

// Served sizes: the longest side of each variant in pixels. Full is the picture itself,
// scaled down to FullSide when larger; an image is never scaled up.
const (
	SizeSmall  = 96
	SizeMedium = 480
	FullSide   = 1600
)

// Variants names the served sizes as they appear in URLs.
var Variants = []string{"96", "480", "full"}

// Image is a normalised picture: the full image and its thumbnails in one format (JPEG for
// opaque pictures, PNG when any pixel is transparent), and the hash of the full image, which
// names the picture in URLs (a changed picture gets a new URL, so a URL's bytes never change).
type Image struct {
	Hash          string
	ContentType   string
	Width, Height int
	Full          []byte
	Medium        []byte
	Small         []byte
}

// Variant returns the bytes of the named size ("96", "480" or "full") and whether it exists.
func (im Image) Variant(size string) ([]byte, bool) {
	switch size {
	case "96":
		return im.Small, true
	case "480":
		return im.Medium, true
	case "full":
		return im.Full, true
	}
	return nil, false
}

// Errors of the intake; each is an Invalid (422) or TooLarge (413) with a code a UI translates.
// ErrTooLarge is also what a reader of an upload answers when the body passes MaxBytes.
var (
	errType = derr.Fields([]derr.FieldError{{Field: "image", Code: "image_type",
		Message: "must be a PNG, JPEG or WebP picture"}})
	ErrTooLarge = &derr.Error{Kind: derr.TooLarge, Code: "image_too_large",
		Message: fmt.Sprintf("The picture is larger than %d bytes.", MaxBytes),
		Fields:  []derr.FieldError{{Field: "image", Code: "image_too_large", Message: fmt.Sprintf("is larger than %d MiB", MaxBytes>>20)}}}
)

func errBroken(why string) error {
	return derr.Fields([]derr.FieldError{{Field: "image", Code: "image_invalid", Message: "could not be read as a picture: " + why}})
}

func errDimensions(w, h int) error {
	return derr.Fields([]derr.FieldError{{Field: "image", Code: "image_dimensions",
		Message: fmt.Sprintf("is %d×%d pixels; at most %d pixels a side and %d megapixels", w, h, MaxSide, MaxPixels/1_000_000)}})
}

// Sniff names the picture format of data by its content ("image/png", "image/jpeg",
// "image/webp"), or "" when it is none of them. A declared type (a file name, a Content-Type,
// a mimeCode) is never trusted.
func Sniff(data []byte) string {
	switch ct := http.DetectContentType(data); ct {
	case "image/png", "image/jpeg", "image/webp":
		return ct
	}
	return ""
}

// Normalise decodes a PNG, JPEG or WebP picture and encodes it again with its thumbnails.
// Errors: TooLarge (more than MaxBytes), Invalid (image_type: another format, SVG, a zip …;
// image_invalid: a picture header over broken data; image_dimensions: too many pixels).
func Normalise(data []byte) (Image, error) {
	if len(data) > MaxBytes {
		return Image{}, ErrTooLarge
	}
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch Sniff(data) {
	case "image/png":
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case "image/jpeg":
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case "image/webp":
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return Image{}, errType
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return Image{}, errBroken(shortReason(err))
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return Image{}, errDimensions(cfg.Width, cfg.Height)
	}
	src, err := decode(data)
	if err != nil {
		return Image{}, errBroken(shortReason(err))
	}
	if b := src.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Image{}, errBroken("its header and its data disagree")
	}
	opaque := isOpaque(src)
	enc := func(m image.Image) ([]byte, error) {
		var buf bytes.Buffer
		var err error
		if opaque {
			err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85})
		} else {
			err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, m)
		}
		return buf.Bytes(), err
	}
	full := scale(src, FullSide)
	out := Image{ContentType: "image/png", Width: full.Bounds().Dx(), Height: full.Bounds().Dy()}
	if opaque {
		out.ContentType = "image/jpeg"
	}
	if out.Full, err = enc(full); err != nil {
		return Image{}, fmt.Errorf("productimage: encode: %w", err)
	}
	if out.Medium, err = enc(scale(full, SizeMedium)); err != nil {
		return Image{}, fmt.Errorf("productimage: encode: %w", err)
	}
	if out.Small, err = enc(scale(full, SizeSmall)); err != nil {
		return Image{}, fmt.Errorf("productimage: encode: %w", err)
	}
	sum := sha256.Sum256(out.Full)
	out.Hash = hex.EncodeToString(sum[:])
	return out, nil
}

// scale returns src fitted within side×side, keeping its proportions (Catmull-Rom, the
// sharpest of x/image/draw's resamplers); a picture already within the box is copied as it is
// (into RGBA, so that every variant encodes the same way).
func scale(src image.Image, side int) image.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/b.Dx())
		} else {
			w, h = max(1, w*side/b.Dy()), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// isOpaque reports whether every pixel of m is opaque (then JPEG loses nothing that shows).
func isOpaque(m image.Image) bool {
	if o, ok := m.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := m.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// shortReason is a decoder's error without its package prefix, at most 120 bytes.
func shortReason(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
