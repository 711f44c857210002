package productimage

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// DemoPicture draws a simple 600×600 product picture for demo data and browser tests: a
// package in a colour chosen by kind (so that items of one kind look alike) on a light
// background, with label printed on it. It is a PNG as a supplier would send one; it goes
// through Normalise like any other.
func DemoPicture(kind, label string) []byte {
	h := fnv.New32a()
	h.Write([]byte(kind))
	hue := float64(h.Sum32()%360) / 360
	base := hsl(hue, .55, .45)
	light := hsl(hue, .35, .93)
	const side = 600
	m := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(m, m.Bounds(), image.NewUniform(light), image.Point{}, draw.Src)
	// The package: a box with a darker lid and a white label band.
	draw.Draw(m, image.Rect(120, 150, 480, 520), image.NewUniform(base), image.Point{}, draw.Src)
	draw.Draw(m, image.Rect(120, 150, 480, 200), image.NewUniform(hsl(hue, .55, .33)), image.Point{}, draw.Src)
	draw.Draw(m, image.Rect(150, 300, 450, 380), image.NewUniform(color.White), image.Point{}, draw.Src)
	// The label, drawn at 7×13 and scaled up three times so that it reads in a thumbnail.
	if len(label) > 14 {
		label = label[:14]
	}
	txt := image.NewRGBA(image.Rect(0, 0, 100, 20))
	d := font.Drawer{Dst: txt, Src: image.NewUniform(hsl(hue, .6, .25)), Face: basicfont.Face7x13}
	w := d.MeasureString(label).Ceil()
	d.Dot = fixed.P((100-w)/2, 15)
	d.DrawString(label)
	draw.NearestNeighbor.Scale(m, image.Rect(150, 310, 450, 370), txt, txt.Bounds(), draw.Over, nil)
	var buf bytes.Buffer
	_ = png.Encode(&buf, m) // encoding to memory does not fail
	return buf.Bytes()
}

// hsl is a colour by hue, saturation and lightness (each 0–1).
func hsl(h, s, l float64) color.RGBA {
	q := l + s - l*s
	if l < .5 {
		q = l * (1 + s)
	}
	p := 2*l - q
	conv := func(t float64) uint8 {
		switch {
		case t < 0:
			t++
		case t > 1:
			t--
		}
		var v float64
		switch {
		case t < 1.0/6:
			v = p + (q-p)*6*t
		case t < .5:
			v = q
		case t < 2.0/3:
			v = p + (q-p)*(2.0/3-t)*6
		default:
			v = p
		}
		return uint8(v*255 + .5)
	}
	return color.RGBA{conv(h + 1.0/3), conv(h), conv(h - 1.0/3), 255}
}
