package auth

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/text"
	"github.com/avrop/avrop/peppol"
)

// OrganizationInput creates an organisation.
type OrganizationInput struct {
	Name                   string  `json:"name"`
	OrgNumber              string  `json:"org_number"`
	Kind                   OrgKind `json:"kind"`
	Country                string  `json:"country"`
	ApprovalThresholdMinor int64   `json:"approval_threshold_minor"`
}

func (in *OrganizationInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.OrgNumber = strings.TrimSpace(in.OrgNumber)
	if in.Country == "" {
		in.Country = "SE"
	}
	var v derr.Validator
	v.Check(in.Name != "" && len(in.Name) <= 200, "name", "length", "must be 1 to 200 characters")
	text.CheckLine(&v, "name", in.Name)
	v.Check(ValidKind(in.Kind), "kind", "choice", "must be buyer, supplier, procurement_body or platform")
	// The organisation's number is its PEPPOL participant identifier (SPEC §8), so it must
	// pass its country's check digit: a wrong one would make every order to it invalid.
	v.Check(slices.Contains(peppol.Countries, in.Country), "country", "country", "must be SE, NO or DK")
	if slices.Contains(peppol.Countries, in.Country) {
		_, msg := peppol.CheckOrganisationNumber(in.Country, in.OrgNumber)
		v.Check(msg == "", "org_number", "org_number", msg)
	}
	v.Check(in.ApprovalThresholdMinor >= 0, "approval_threshold_minor", "negative", "must not be negative")
	return v.Err()
}

// CreateOrganization adds an organisation. Admin only. Errors: Forbidden, Invalid, Conflict.
func (s *Service) CreateOrganization(ctx context.Context, c Caller, in OrganizationInput) (Organization, error) {
	if !c.Has(RoleAdmin) {
		return Organization{}, derr.Forbiddenf("Only administrators create organisations.")
	}
	if err := in.validate(); err != nil {
		return Organization{}, err
	}
	return insertOrganization(ctx, s.db, in)
}

// OrganizationPatch changes an organisation; nil fields stay as they are.
type OrganizationPatch struct {
	Name                   *string `json:"name"`
	ApprovalThresholdMinor *int64  `json:"approval_threshold_minor"`
}

// UpdateOrganization changes an organisation. Admin only. Errors: Forbidden, NotFound, Invalid.
func (s *Service) UpdateOrganization(ctx context.Context, c Caller, id string, p OrganizationPatch) (Organization, error) {
	if !c.Has(RoleAdmin) {
		return Organization{}, derr.Forbiddenf("Only administrators change organisations.")
	}
	if !validUUID(id) {
		return Organization{}, derr.NotFoundf("organisation not found")
	}
	var v derr.Validator
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		v.Check(*p.Name != "" && len(*p.Name) <= 200, "name", "length", "must be 1 to 200 characters")
		text.CheckLine(&v, "name", *p.Name)
	}
	if p.ApprovalThresholdMinor != nil {
		v.Check(*p.ApprovalThresholdMinor >= 0, "approval_threshold_minor", "negative", "must not be negative")
	}
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	return updateOrganization(ctx, s.db, id, p)
}

// OrganizationFilter narrows a list of organisations.
type OrganizationFilter struct {
	Kind OrgKind
	Q    string // part of the name, or the start of the organisation number
	Page Page
}

// ListOrganizations lists organisations: admins and managers (who pick participants and
// suppliers for agreements) see all, everyone else only their own.
func (s *Service) ListOrganizations(ctx context.Context, c Caller, f OrganizationFilter) ([]Organization, int, error) {
	f.Page = f.Page.Normalize()
	var err error
	if f.Q, err = ListSearch(f.Q); err != nil {
		return nil, 0, err
	}
	only := ""
	if !c.HasAny(RoleAdmin, RoleManager) {
		only = c.OrgID
	}
	return listOrganizations(ctx, s.db, f, only)
}

// GetOrganization returns an organisation in the caller's scope. Errors: NotFound.
func (s *Service) GetOrganization(ctx context.Context, c Caller, id string) (Organization, error) {
	if !validUUID(id) || (!c.HasAny(RoleAdmin, RoleManager) && id != c.OrgID) {
		return Organization{}, derr.NotFoundf("organisation not found")
	}
	return organizationByID(ctx, s.db, id)
}

// ParticipantID is the organisation's PEPPOL participant identifier ("0007:2120001355"), ""
// when its number does not pass its country's check (SPEC §8).
func (o Organization) ParticipantID() string { return peppol.ParticipantID(o.Country, o.OrgNumber) }

// MarshalJSON writes the organisation with its PEPPOL participant identifier.
func (o Organization) MarshalJSON() ([]byte, error) {
	type plain Organization
	return json.Marshal(struct {
		plain
		ParticipantID string `json:"peppol_participant_id"`
	}{plain(o), o.ParticipantID()})
}
