package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

// FuzzListSearch sends arbitrary search text to the organisation and user lists against the
// real database: the answer is a list whose every row matches the text literally, or a 422
// naming q; never an internal error (invalid UTF-8 or a NUL would be one from PostgreSQL).
func FuzzListSearch(f *testing.F) {
	for _, seed := range []string{"", "kommun", "%", "_", `\`, "212000-", "a%b_c\\", "\x00", "\xff\xfe", "Å", strings.Repeat("x", 101), "'; DROP TABLE users; --"} {
		f.Add(seed)
	}
	s := NewService(testenv.DB(f), testenv.Redis(f), testConfig())
	ctx := context.Background()
	org, err := s.CreateOrganization(ctx, platformAdmin, OrganizationInput{Name: "Sök%kommun_" + testenv.Unique(), OrgNumber: testenv.OrgNumber(), Kind: KindBuyer})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		orgs, _, err := s.ListOrganizations(ctx, platformAdmin, OrganizationFilter{Q: q, Page: Page{PageSize: 100}})
		checkSearch(t, q, err)
		want := strings.ToLower(strings.TrimSpace(q))
		for _, o := range orgs {
			if !strings.Contains(strings.ToLower(o.Name), want) && !strings.HasPrefix(o.OrgNumber, strings.TrimSpace(q)) {
				t.Fatalf("q=%q lists %q (%s), which does not match", q, o.Name, o.OrgNumber)
			}
		}
		users, _, err := s.ListUsers(ctx, platformAdmin, UserFilter{OrgID: org.ID, Q: q, Page: Page{PageSize: 100}})
		checkSearch(t, q, err)
		for _, u := range users {
			if !strings.Contains(strings.ToLower(u.Name), want) && !strings.Contains(strings.ToLower(u.Email), want) {
				t.Fatalf("q=%q lists user %q, which does not match", q, u.Name)
			}
		}
	})
}

func checkSearch(t *testing.T, q string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *derr.Error
	if !derr.Is(err, derr.Invalid) || !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "q" {
		t.Fatalf("q=%q: %v, want a list or a 422 naming q", q, err)
	}
}
