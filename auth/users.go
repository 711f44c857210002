package auth

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
)

// UserInput creates a user.
type UserInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	OrgID    string `json:"org_id"`
	Roles    []Role `json:"roles"`
	// Language is the UI language ("sv", "en", "nb", "da"), or "" for the browser's.
	Language string `json:"language"`
}

// Languages are the UI languages a user may be given (SPEC §5).
var Languages = []string{"sv", "en", "nb", "da"}

func checkLanguage(v *derr.Validator, lang string) {
	v.Check(lang == "" || slices.Contains(Languages, lang), "language", "choice", "must be sv, en, nb, da or empty")
}

// CreateUser adds a user whose roles fit their organisation's kind. Admin only. Errors:
// Forbidden, Invalid, Conflict (email taken).
func (s *Service) CreateUser(ctx context.Context, c Caller, in UserInput) (User, error) {
	if !c.Has(RoleAdmin) {
		return User{}, derr.Forbiddenf("Only administrators create users.")
	}
	return s.createUser(ctx, s.db, in)
}

func (s *Service) createUser(ctx context.Context, db sqlx.ExtContext, in UserInput) (User, error) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	var v derr.Validator
	addr, err := mail.ParseAddress(in.Email)
	v.Check(err == nil && addr.Address == in.Email && len(in.Email) <= 254, "email", "email", "must be a valid email address")
	v.Check(in.Name != "" && len(in.Name) <= 200, "name", "length", "must be 1 to 200 characters")
	text.CheckLine(&v, "email", in.Email)
	text.CheckLine(&v, "name", in.Name)
	v.Check(len([]rune(in.Password)) >= MinPasswordLength && len(in.Password) <= 1024, "password", "password_length", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	v.Check(validUUID(in.OrgID), "org_id", "invalid_id", "must be the id of an organisation")
	v.Check(len(in.Roles) > 0, "roles", "roles_required", "must name at least one role")
	checkLanguage(&v, in.Language)
	if err := v.Err(); err != nil {
		return User{}, err
	}
	org, err := organizationByID(ctx, db, in.OrgID)
	if derr.Is(err, derr.NotFound) {
		return User{}, derr.Fields([]derr.FieldError{{Field: "org_id", Code: "no_such_organisation", Message: "no such organisation"}})
	}
	if err != nil {
		return User{}, err
	}
	if err := checkRoles(org.Kind, in.Roles); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	return insertUser(ctx, db, in, rolesStrings(in.Roles), hash)
}

func checkRoles(kind OrgKind, roles []Role) error {
	var v derr.Validator
	seen := map[Role]bool{}
	for _, r := range roles {
		v.Check(RoleFits(kind, r), "roles", "role_kind", fmt.Sprintf("role %q does not fit an organisation of kind %s", r, kind))
		v.Check(!seen[r], "roles", "duplicate", fmt.Sprintf("role %q is listed twice", r))
		seen[r] = true
	}
	return v.Err()
}

func rolesStrings(roles []Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

// UserPatch changes a user; nil fields stay as they are. Deactivating a user revokes their
// refresh tokens, so they can neither sign in nor refresh.
type UserPatch struct {
	Name     *string `json:"name"`
	Roles    *[]Role `json:"roles"`
	Active   *bool   `json:"active"`
	Password *string `json:"password"`
	Language *string `json:"language"`
}

// UpdateUser changes a user. Admin only. Errors: Forbidden, NotFound, Invalid.
func (s *Service) UpdateUser(ctx context.Context, c Caller, id string, p UserPatch) (User, error) {
	if !c.Has(RoleAdmin) {
		return User{}, derr.Forbiddenf("Only administrators change users.")
	}
	if !validUUID(id) {
		return User{}, derr.NotFoundf("user not found")
	}
	// An administrator who deactivates or demotes themselves could leave nobody to undo it.
	if id == c.UserID && ((p.Active != nil && !*p.Active) || (p.Roles != nil && !slices.Contains(*p.Roles, RoleAdmin))) {
		return User{}, derr.Invalidf("cannot_demote_self", "You cannot deactivate yourself or remove your own admin role.")
	}
	var out User
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		u, err := userByID(ctx, tx, id)
		if err != nil {
			return err
		}
		org, err := organizationByID(ctx, tx, u.OrgID)
		if err != nil {
			return err
		}
		var v derr.Validator
		if p.Name != nil {
			u.Name = strings.TrimSpace(*p.Name)
			v.Check(u.Name != "" && len(u.Name) <= 200, "name", "length", "must be 1 to 200 characters")
			text.CheckLine(&v, "name", u.Name)
		}
		if p.Roles != nil {
			v.Check(len(*p.Roles) > 0, "roles", "roles_required", "must name at least one role")
			u.Roles = rolesStrings(*p.Roles)
		}
		if p.Language != nil {
			u.Language = *p.Language
			checkLanguage(&v, u.Language)
		}
		if p.Password != nil {
			v.Check(len([]rune(*p.Password)) >= MinPasswordLength && len(*p.Password) <= 1024, "password", "password_length", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
		}
		if err := v.Err(); err != nil {
			return err
		}
		if p.Roles != nil {
			if err := checkRoles(org.Kind, *p.Roles); err != nil {
				return err
			}
		}
		if p.Password != nil {
			if u.PasswordHash, err = HashPassword(*p.Password); err != nil {
				return err
			}
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		if out, err = updateUser(ctx, tx, u); err != nil {
			return err
		}
		if !u.Active || p.Password != nil {
			return revokeUserTokens(ctx, tx, u.ID)
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	s.forgetActive(id)
	return out, nil
}

// UserFilter narrows a list of users.
type UserFilter struct {
	OrgID string
	Q     string // part of the name or email
	Page  Page
}

// ListUsers lists users: admins see everyone, anyone else the users of their own organisation.
func (s *Service) ListUsers(ctx context.Context, c Caller, f UserFilter) ([]User, int, error) {
	f.Page = f.Page.Normalize()
	if !c.Has(RoleAdmin) {
		if f.OrgID != "" && f.OrgID != c.OrgID {
			return []User{}, 0, nil
		}
		f.OrgID = c.OrgID
	}
	if f.OrgID != "" && !validUUID(f.OrgID) {
		return nil, 0, derr.Fields([]derr.FieldError{{Field: "org_id", Code: "invalid_id", Message: "must be a UUID"}})
	}
	var err error
	if f.Q, err = ListSearch(f.Q); err != nil {
		return nil, 0, err
	}
	return listUsers(ctx, s.db, f)
}

// GetUser returns a user in the caller's scope (their own organisation unless admin). Errors:
// NotFound.
func (s *Service) GetUser(ctx context.Context, c Caller, id string) (User, error) {
	if !validUUID(id) {
		return User{}, derr.NotFoundf("user not found")
	}
	u, err := userByID(ctx, s.db, id)
	if err != nil {
		return User{}, err
	}
	if !c.Has(RoleAdmin) && u.OrgID != c.OrgID {
		return User{}, derr.NotFoundf("user not found")
	}
	return u, nil
}

func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// ValidUUID reports whether s is a UUID in its canonical 36-character form; other packages use
// it to answer 404 for malformed ids without asking the database.
func ValidUUID(s string) bool { return validUUID(s) }
