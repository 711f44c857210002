// Package auth holds organisations, users, roles, passwords and sessions, and the Caller that
// every other domain package receives to scope what it does. It knows nothing of HTTP.
package auth

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
)

// Role is what a user may do inside their organisation.
type Role string

// The roles of SPEC §1.
const (
	RoleOrderer  Role = "orderer"
	RoleApprover Role = "approver"
	RoleSupplier Role = "supplier"
	RoleManager  Role = "manager"
	RoleAdmin    Role = "admin"
)

// OrgKind is the kind of an organisation; it decides which roles its users may hold.
type OrgKind string

// The organisation kinds of SPEC §1.
const (
	KindBuyer           OrgKind = "buyer"
	KindSupplier        OrgKind = "supplier"
	KindProcurementBody OrgKind = "procurement_body"
	KindPlatform        OrgKind = "platform"
)

// rolesByKind lists the roles that fit each organisation kind: a procurement body that also
// buys may have orderers and approvers.
var rolesByKind = map[OrgKind][]Role{
	KindBuyer:           {RoleOrderer, RoleApprover},
	KindSupplier:        {RoleSupplier},
	KindProcurementBody: {RoleManager, RoleOrderer, RoleApprover},
	KindPlatform:        {RoleAdmin},
}

// RoleFits reports whether a user of an organisation of kind may hold role.
func RoleFits(kind OrgKind, role Role) bool { return slices.Contains(rolesByKind[kind], role) }

// ValidKind reports whether k is a known organisation kind.
func ValidKind(k OrgKind) bool { _, ok := rolesByKind[k]; return ok }

// Organization is a buyer, supplier, procurement body or the platform itself.
type Organization struct {
	ID                     string    `db:"id" json:"id"`
	Name                   string    `db:"name" json:"name"`
	OrgNumber              string    `db:"org_number" json:"org_number"`
	Kind                   OrgKind   `db:"kind" json:"kind"`
	Country                string    `db:"country" json:"country"`
	ApprovalThresholdMinor int64     `db:"approval_threshold_minor" json:"approval_threshold_minor"`
	CreatedAt              time.Time `db:"created_at" json:"created_at"`
	UpdatedAt              time.Time `db:"updated_at" json:"updated_at"`
}

// User is a person who signs in; they belong to exactly one organisation.
type User struct {
	ID     string         `db:"id" json:"id"`
	OrgID  string         `db:"org_id" json:"org_id"`
	Email  string         `db:"email" json:"email"`
	Name   string         `db:"name" json:"name"`
	Roles  pq.StringArray `db:"roles" json:"roles"`
	Active bool           `db:"active" json:"active"`
	// Language is the UI language the user reads ("sv", "en", "nb", "da"); "" follows the
	// browser.
	Language     string    `db:"language" json:"language"`
	PasswordHash string    `db:"password_hash" json:"-"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time `db:"updated_at" json:"updated_at"`
}

// Caller is the signed-in user a request acts for. Handlers take it from the verified token,
// never from the request body.
type Caller struct {
	UserID  string
	OrgID   string
	OrgKind OrgKind
	Roles   []Role
}

// Has reports whether the caller holds role.
func (c Caller) Has(role Role) bool { return slices.Contains(c.Roles, role) }

// HasAny reports whether the caller holds any of roles.
func (c Caller) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if c.Has(r) {
			return true
		}
	}
	return false
}

// Page is a 1-based page of a list; Normalize applies the defaults of SPEC §4.
type Page struct {
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

// MaxPage is the highest page number: beyond it an offset could overflow.
const MaxPage = 1_000_000

// Normalize fills in page 1 and size 20, caps the size at 100 and the page at MaxPage.
func (p Page) Normalize() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Page > MaxPage {
		p.Page = MaxPage
	}
	if p.PageSize < 1 {
		p.PageSize = 20
	}
	if p.PageSize > 100 {
		p.PageSize = 100
	}
	return p
}

// ListSearch is a list's search text (?q=) trimmed, or a 422 naming q when it is too long or
// not text: PostgreSQL refuses invalid UTF-8 and NUL, which would otherwise be a 500.
func ListSearch(q string) (string, error) {
	q = strings.TrimSpace(q)
	if len(q) > 100 || !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
		return "", derr.Fields([]derr.FieldError{{Field: "q", Code: "too_long", Message: "must be text of at most 100 characters"}})
	}
	return q, nil
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Page - 1) * p.PageSize }
