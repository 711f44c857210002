package peppol

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultMaxDepth is how deeply the elements of an outside document may nest. UBL documents
// are at most a dozen levels deep; the cap keeps a hostile document from exhausting the stack
// or the memory of the decoder.
const DefaultMaxDepth = 32

// Shape is what an outside document must look like before it is decoded: its root element,
// its size, its nesting and how many repeated line elements (children of the root) it holds.
type Shape struct {
	// Root is the required root element (namespace and local name); Name says it in messages
	// ("UBL 2.1 Catalogue").
	Root xml.Name
	Name string
	// MaxBytes caps the document's size; MaxDepth its nesting (0: DefaultMaxDepth).
	MaxBytes int64
	MaxDepth int
	// Line is the local name of the root's repeated child ("CatalogueLine") and MaxLines how
	// many of them the document may hold (0: no cap); LineNoun names them in messages
	// ("catalogue lines").
	Line     string
	MaxLines int
	LineNoun string
}

// DocumentError is an outside document that cannot be read: its Problem is said of the
// document ("is larger than 1024 bytes", "has a DTD or other directive, which is not allowed"),
// so a caller can report it against the uploaded file.
type DocumentError struct {
	Problem string
}

func (e *DocumentError) Error() string { return "XML document " + e.Problem }

func problem(format string, args ...any) error {
	return &DocumentError{Problem: fmt.Sprintf(format, args...)}
}

// ReadDocument reads an outside XML document from r and checks its shape before anything
// decodes it: at most s.MaxBytes, well-formed, no DTD or other directive (so no entity can be
// declared: encoding/xml never expands external entities, and an undeclared one is an error
// in its strict mode), at most s.MaxDepth deep, exactly one root element that is s.Root, and
// at most s.MaxLines line elements. It returns the document's bytes for Decode, or a
// *DocumentError.
func ReadDocument(r io.Reader, s Shape) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, s.MaxBytes+1))
	if err != nil {
		return nil, problem("could not be read")
	}
	if int64(len(data)) > s.MaxBytes {
		return nil, problem("is larger than %d bytes", s.MaxBytes)
	}
	if err := checkShape(data, s); err != nil {
		return nil, err
	}
	return data, nil
}

// checkShape walks the document's tokens once.
func checkShape(data []byte, s Shape) error {
	maxDepth := s.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	d := newDecoder(data)
	depth, lines, root := 0, 0, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return problem("is not well-formed XML: %s", truncate(err.Error(), 200))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				line, _ := d.InputPos()
				return problem("nests elements more than %d deep (text line %d)", maxDepth, line)
			}
			if depth == 1 {
				if root {
					return problem("has more than one root element")
				}
				root = true
				if t.Name.Local != s.Root.Local || t.Name.Space != s.Root.Space {
					return problem("is not a %s (root element {%s}%s)", s.Name, truncate(t.Name.Space, 80), truncate(t.Name.Local, 40))
				}
			}
			if depth == 2 && s.Line != "" && t.Name.Local == s.Line {
				lines++
				if s.MaxLines > 0 && lines > s.MaxLines {
					return problem("has more than %d %s", s.MaxLines, s.LineNoun)
				}
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return problem("has a DTD or other directive, which is not allowed")
		}
	}
	if !root {
		return problem("is empty: a %s is required", s.Name)
	}
	return nil
}

// Decode decodes a document that ReadDocument has accepted into v, a struct of this
// package's prefixed UBL types: the UBL namespaces are rewritten to the cac:, cbc: and ext:
// prefixes the struct tags carry, whatever prefixes the sender chose.
func Decode(data []byte, v any, what string) error {
	d := xml.NewTokenDecoder(prefixer{newDecoder(data)})
	if err := d.Decode(v); err != nil {
		return problem("is not a well-formed %s: %s", what, truncate(err.Error(), 200))
	}
	return nil
}

// prefixes are the UBL namespaces the struct tags spell with a prefix.
var prefixes = map[string]string{NamespaceCAC: "cac:", NamespaceCBC: "cbc:", NamespaceEXT: "ext:"}

// prefixer rewrites each element name in a UBL namespace to its prefixed local name with no
// namespace ({…CommonBasicComponents-2}ID → cbc:ID), which is how the struct tags match it.
type prefixer struct{ d *xml.Decoder }

func (p prefixer) Token() (xml.Token, error) {
	tok, err := p.d.Token()
	switch t := tok.(type) {
	case xml.StartElement:
		t.Name = prefixed(t.Name)
		return t, err
	case xml.EndElement:
		t.Name = prefixed(t.Name)
		return t, err
	}
	return tok, err
}

func prefixed(n xml.Name) xml.Name {
	if p, ok := prefixes[n.Space]; ok {
		return xml.Name{Local: p + n.Local}
	}
	return n
}

// newDecoder is a strict decoder that reads UTF-8, US-ASCII and ISO-8859-1.
func newDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
			return latin1Reader(r), nil
		case "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", truncate(charset, 40))
	}
	return d
}

// latin1Reader decodes ISO-8859-1 (the official PEPPOL example's encoding) to UTF-8.
func latin1Reader(r io.Reader) io.Reader {
	b, err := io.ReadAll(r)
	if err != nil {
		return r
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return bytes.NewReader(out)
}
