package derr

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindAndCode(t *testing.T) {
	base := Conflictf("duplicate", "%s already exists", "thing")
	tests := []struct {
		name string
		err  error
		kind Kind
		code string
	}{
		{"plain error is internal", errors.New("boom"), Internal, ""},
		{"nil is internal", nil, Internal, ""},
		{"direct", base, Conflict, "duplicate"},
		{"wrapped", fmt.Errorf("create: %w", base), Conflict, "duplicate"},
		{"not found", NotFoundf("x"), NotFound, "not_found"},
		{"invalid", Invalidf("ceiling_exceeded", "x"), Invalid, "ceiling_exceeded"},
		{"forbidden", Forbiddenf("x"), Forbidden, "forbidden"},
		{"unauthenticated", Unauthenticatedf("x"), Unauthenticated, "unauthenticated"},
		{"fields", Fields([]FieldError{{Field: "a", Message: "b"}}), Invalid, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := CodeOf(tt.err); got != tt.code {
				t.Errorf("CodeOf = %q, want %q", got, tt.code)
			}
			if tt.err != nil && !Is(tt.err, tt.kind) && tt.kind != Internal {
				t.Errorf("Is(%v) = false", tt.kind)
			}
		})
	}
}

func TestErrorMessageKeepsCause(t *testing.T) {
	cause := errors.New("driver said no")
	e := &Error{Kind: Conflict, Code: "duplicate", Message: "exists", Err: cause}
	if !errors.Is(e, cause) {
		t.Fatal("errors.Is does not reach the cause")
	}
	if got, want := e.Error(), "duplicate: exists: driver said no"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestValidator(t *testing.T) {
	var v Validator
	if v.Err() != nil {
		t.Fatal("empty validator has an error")
	}
	v.Check(true, "ok", "required", "never")
	v.Check(false, "name", "required", "is required")
	v.Check(false, "email", "email", "is invalid")
	err := v.Err()
	var e *Error
	if !errors.As(err, &e) || e.Kind != Invalid || len(e.Fields) != 2 || e.Fields[0].Field != "name" || e.Fields[0].Code != "required" {
		t.Fatalf("Err() = %#v, want Invalid with 2 fields", err)
	}
}
