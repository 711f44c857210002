package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// maxJSONBody bounds every JSON request body; uploads set their own limit.
const maxJSONBody = 1 << 20

// decodeJSON reads exactly one JSON object into v. Unknown fields are refused, so that no
// client can set a field it does not own. Errors: BadRequest, TooLarge, UnsupportedMedia.
func decodeJSON(c *gin.Context, v any) error {
	if err := checkJSONContentType(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeJSONBytes(body, v)
}

// decodeOptionalJSON is decodeJSON for bodies that may be empty (lifecycle notes): an empty
// body, whatever its declared type, leaves v as it is.
func decodeOptionalJSON(c *gin.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkJSONContentType(c); err != nil {
		return err
	}
	return decodeJSONBytes(body, v)
}

// checkJSONContentType accepts a missing Content-Type, application/json and any +json type.
func checkJSONContentType(c *gin.Context) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &derr.Error{Kind: derr.UnsupportedMedia, Code: "unsupported_media_type", Message: "The body must be application/json."}
		}
	}
	return nil
}

// readBody reads at most maxJSONBody bytes of the body.
func readBody(c *gin.Context) ([]byte, error) {
	if c.Request.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	if err != nil {
		return nil, badJSON(err)
	}
	return body, nil
}

// decodeJSONBytes decodes exactly one JSON object from body into v, refusing unknown fields,
// other top-level values (null, arrays, numbers) and trailing data.
func decodeJSONBytes(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return badJSON(io.EOF)
	}
	if trimmed[0] != '{' {
		return &derr.Error{Kind: derr.BadRequest, Code: "malformed_json", Message: "The body must be a JSON object."}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &derr.Error{Kind: derr.BadRequest, Code: "malformed_json", Message: "The body must hold a single JSON object."}
	}
	return nil
}

func badJSON(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	bad := func(code, msg string, fields ...derr.FieldError) error {
		return &derr.Error{Kind: derr.BadRequest, Code: code, Message: msg, Fields: fields, Err: err}
	}
	switch {
	case errors.As(err, &syntax):
		return bad("malformed_json", fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return bad("malformed_json", "A field has the wrong type.", derr.FieldError{Field: field, Code: "wrong_type", Message: "must be " + typ.Type.String()})
	case errors.As(err, &tooBig):
		return &derr.Error{Kind: derr.TooLarge, Code: "body_too_large", Message: fmt.Sprintf("The body is larger than %d bytes.", tooBig.Limit), Err: err}
	case errors.Is(err, io.EOF):
		return bad("malformed_json", "The body is empty; a JSON object is required.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("malformed_json", "The body ends too early.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return bad("unknown_field", "The body has a field this endpoint does not accept.", derr.FieldError{Field: name, Code: "unknown_field", Message: "unknown field"})
	default:
		return bad("malformed_json", "The body is not valid JSON.")
	}
}

// queryInt parses an optional integer query parameter. Errors: BadRequest.
func queryInt(c *gin.Context, name string, def int) (int, error) {
	return intParam(name, query(c, name), def)
}

// intParam is queryInt of the parameter name's value s.
func intParam(name, s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &derr.Error{Kind: derr.BadRequest, Code: "invalid_query", Message: "A query parameter is not valid.",
			Fields: []derr.FieldError{{Field: name, Code: "negative", Message: "must be a non-negative integer"}}}
	}
	return n, nil
}

// maxPage bounds the page number, so that an offset can never overflow.
const maxPage = auth.MaxPage

// queryPage parses page and page_size (SPEC §4: page from 1, size default 20, at most 100).
func queryPage(c *gin.Context) (auth.Page, error) {
	return pageParams(query(c, "page"), query(c, "page_size"))
}

// pageParams is queryPage of the values of page and page_size.
func pageParams(pageText, sizeText string) (auth.Page, error) {
	page, err := intParam("page", pageText, 1)
	if err != nil {
		return auth.Page{}, err
	}
	size, err := intParam("page_size", sizeText, 20)
	if err != nil {
		return auth.Page{}, err
	}
	var v derr.Validator
	if page < 1 || page > maxPage {
		v.Check(false, "page", "range", fmt.Sprintf("must be between 1 and %d", maxPage))
	}
	v.Check(size >= 1 && size <= 100, "page_size", "range", "must be between 1 and 100")
	if len(v.Errors) > 0 {
		return auth.Page{}, &derr.Error{Kind: derr.BadRequest, Code: "invalid_query", Message: "A query parameter is not valid.", Fields: v.Errors}
	}
	return auth.Page{Page: page, PageSize: size}, nil
}

// List is the shape of every list response (SPEC §4).
type List[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

func newList[T any](items []T, total int, p auth.Page) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Total: total, Page: p.Page, PageSize: p.PageSize}
}
