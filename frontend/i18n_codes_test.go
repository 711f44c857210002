package frontend

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

// fieldCodesInSource finds the field error codes the domain and API packages write: the code
// argument of derr.Validator.Check and of the price-list import's add, and Code in FieldError
// literals.
func fieldCodesInSource(t *testing.T) map[string]string {
	t.Helper()
	codes := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"../catalog", "../orders", "../auth", "../api", "../invoices", "../productimage"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					case *ast.Ident:
						name = fn.Name
					}
					if (name == "Check" || name == "add") && len(n.Args) == 4 {
						if lit, ok := n.Args[2].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							c, _ := strconv.Unquote(lit.Value)
							codes[c] = fset.Position(lit.Pos()).String()
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
						if lit, ok := n.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							c, _ := strconv.Unquote(lit.Value)
							codes[c] = fset.Position(lit.Pos()).String()
						}
					}
				}
				return true
			})
		}
	}
	return codes
}

// TestFieldCodesTranslated checks that every field error code the domain writes has a text in
// every language (field.<code>), or is a rule refusal with its own problem.<code> text, or is
// an error the UI never shows next to a field (the API's request and token errors).
func TestFieldCodesTranslated(t *testing.T) {
	apiOnly := map[string]bool{"malformed_json": true, "unsupported_media_type": true, "invalid_query": true,
		"body_too_large": true, "unreadable_body": true, "token_expired": true, "invalid_token": true,
		"validation_failed": true, "too_many_attempts": true, "not_ready": true}
	codes := fieldCodesInSource(t)
	if len(codes) < 30 {
		t.Fatalf("found only %d field codes in the source; the scan is broken", len(codes))
	}
	for _, c := range []string{orders.CodeItemNotInAgreement, orders.CodeItemInactive, orders.CodeNoCurrentPrice, orders.CodeTotalTooLarge,
		orders.CodeNotParticipant, orders.CodeAgreementNotActive, orders.CodeSupplierNotInAgreement, orders.CodeCascadeOrderInvalid} {
		codes[c] = "orders line and field rules"
	}
	for c, where := range codes {
		if apiOnly[c] || hasKey("field."+c) || hasKey("problem."+c) {
			continue
		}
		t.Errorf("field code %q (%s) has no field.%s message", c, where, c)
	}
}

func TestFieldMessageByCode(t *testing.T) {
	fe := derr.FieldError{Field: "valid_to", Code: "date", Message: "reworded freely in English"}
	tests := map[string]string{langSV: "Måste vara ett datum (ÅÅÅÅ-MM-DD).", langNB: "Må være en dato (ÅÅÅÅ-MM-DD).",
		langDA: "Skal være en dato (ÅÅÅÅ-MM-DD).", langEN: "Must be a date (YYYY-MM-DD)."}
	for lang, want := range tests {
		if got := fieldMessage(lang, fe); got != want {
			t.Errorf("fieldMessage(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := fieldMessage(langNB, derr.FieldError{Code: "no_such_code"}); got != "Kontroller verdien." {
		t.Errorf("unknown code in nb = %q, want the general hint", got)
	}
}

func TestLanguageNegotiation(t *testing.T) {
	tests := []struct{ accept, cookie, want string }{
		{"", "", langSV},
		{"nb-NO,nb;q=0.9", "", langNB},
		{"no", "", langNB},
		{"nn-NO", "", langNB},
		{"da-DK,da;q=0.9,en;q=0.8", "", langDA},
		{"en-GB,en;q=0.9", "", langEN},
		{"sv-FI", "", langSV},
		{"de-DE,fr;q=0.5", "", langSV},
		{"da", "nb", langNB},
		{"nb", "xx", langNB},
		{"garbage;;q=", "", langSV},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if tc.cookie != "" {
			r.Header.Set("Cookie", cookieLang+"="+tc.cookie)
		}
		if got := langOf(r); got != tc.want {
			t.Errorf("Accept-Language %q, cookie %q: %s, want %s", tc.accept, tc.cookie, got, tc.want)
		}
	}
}
