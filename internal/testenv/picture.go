package testenv

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// Picture is a w×h opaque PNG with a gradient, as a supplier's product photo in tests of the
// picture intake (API and UI).
func Picture(w, h int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
