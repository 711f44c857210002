package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/text"
)

// Limits of an agreement's terms.
const (
	// MaxParticipants bounds an agreement's participants, on create and on every change.
	MaxParticipants = 1000
	// MaxSuppliers bounds an agreement's awarded suppliers.
	MaxSuppliers = 100
	// MaxDurationYears is how long a framework agreement may run without a recorded
	// justification (Swedish LOU 7:3, Norwegian FOA 26-1, Danish udbudsloven § 93).
	MaxDurationYears = 4
	// DefaultResponseTimeHours is how long a supplier has to answer an order by default.
	DefaultResponseTimeHours = 48
)

// Rule codes of an agreement's terms (SPEC §6).
const (
	CodeAgreementTooLong                 = "agreement_too_long"
	CodeCeilingBelowCommitted            = "ceiling_below_committed"
	CodeParticipantCeilingBelowCommitted = "participant_ceiling_below_committed"
	CodePartyHasOrders                   = "party_has_orders"
)

// longestValidTo is the last day an agreement starting on from may run without a
// justification: four years less a day (2023-10-01 → 2027-09-30).
func longestValidTo(from string) string {
	d, err := time.Parse(dateLayout, from)
	if err != nil {
		return ""
	}
	return d.AddDate(MaxDurationYears, 0, -1).Format(dateLayout)
}

// validate checks an agreement's terms as they will be after a create or an update: the one
// check both share, so no rule (such as the participant cap) can be kept on one path and lost
// on the other. It fills defaults (ranks in the order given when all are 0, response time,
// catalogue approval). Errors: Invalid (validation_failed with every field, or
// agreement_too_long).
func (in *AgreementInput) validate() error {
	in.DurationJustification = strings.TrimSpace(in.DurationJustification)
	in.Note = strings.TrimSpace(in.Note)
	if in.ResponseTimeHours == nil {
		h := DefaultResponseTimeHours
		in.ResponseTimeHours = &h
	}
	if in.CatalogueApproval == nil {
		t := true
		in.CatalogueApproval = &t
	}
	if in.PriceAdjustmentIntervalMonths == nil {
		m := 12
		in.PriceAdjustmentIntervalMonths = &m
	}
	var v derr.Validator
	v.Check(referenceRe.MatchString(in.Reference), "reference", "reference_format", "is required: letters, digits, - _ . / (at most 64)")
	v.Check(strings.TrimSpace(in.Title) != "" && len(in.Title) <= 200, "title", "length", "is required (at most 200 characters)")
	v.Check(len(in.Description) <= 10000, "description", "too_long", "is at most 10000 characters")
	text.CheckLine(&v, "reference", in.Reference)
	text.CheckLine(&v, "title", in.Title)
	text.CheckLines(&v, "description", in.Description)
	v.Check(cpvRe.MatchString(in.CPVCode), "cpv_code", "cpv", "must be a CPV code such as 33190000 or 33190000-8")
	v.Check(iso4217[in.Currency], "currency", "currency", "must be an ISO 4217 code such as SEK")
	v.Check(validDate(in.ValidFrom), "valid_from", "date", "must be a date YYYY-MM-DD")
	v.Check(validDate(in.ValidTo), "valid_to", "date", "must be a date YYYY-MM-DD")
	if validDate(in.ValidFrom) && validDate(in.ValidTo) {
		v.Check(in.ValidTo > in.ValidFrom, "valid_to", "date_order", "must be after valid_from")
	}
	v.Check(in.CeilingMinor == nil || *in.CeilingMinor > 0, "ceiling_minor", "positive", "must be positive or null")
	v.Check(in.CallOffMethod == MethodRanking || in.CallOffMethod == MethodDirect, "call_off_method", "choice", "must be ranking or direct")
	v.Check(in.MinOrderMinor >= 0, "min_order_minor", "negative", "must not be negative")
	v.Check(in.MaxPriceIncreaseBP >= 0 && in.MaxPriceIncreaseBP <= 10000, "max_price_increase_bp", "range", "must be between 0 and 10000")
	v.Check(*in.PriceAdjustmentIntervalMonths >= 0 && *in.PriceAdjustmentIntervalMonths <= 120,
		"price_adjustment_interval_months", "range", "must be between 0 and 120")
	v.Check(in.LeadTimeDays >= 0 && in.LeadTimeDays <= 365, "lead_time_days", "range", "must be between 0 and 365")
	v.Check(*in.ResponseTimeHours >= 1 && *in.ResponseTimeHours <= 8760, "response_time_hours", "range", "must be between 1 and 8760")
	v.Check(len(in.DurationJustification) <= 2000, "duration_justification", "too_long", "is at most 2000 characters")
	v.Check(len(in.Note) <= 2000, "note", "too_long", "is at most 2000 characters")
	v.Check(in.ProcurementBodyID == "" || auth.ValidUUID(in.ProcurementBodyID), "procurement_body_id", "invalid_id", "must be a UUID")

	v.Check(len(in.Participants) <= MaxParticipants, "participants", "range", fmt.Sprintf("at most %d", MaxParticipants))
	seen := map[string]bool{}
	for i, p := range in.Participants {
		f := fmt.Sprintf("participants[%d]", i)
		v.Check(auth.ValidUUID(p.OrgID), f+".org_id", "invalid_id", "must be a UUID")
		v.Check(!seen[p.OrgID], f+".org_id", "duplicate", "is listed twice")
		seen[p.OrgID] = true
		v.Check(p.CeilingMinor == nil || *p.CeilingMinor > 0, f+".ceiling_minor", "positive", "must be positive or null")
		v.Check(p.EndsOn == nil || validDate(*p.EndsOn), f+".ends_on", "date", "must be a date YYYY-MM-DD or null")
	}
	v.Check(len(in.Suppliers) >= 1, "suppliers", "required", "at least one awarded supplier is required")
	v.Check(len(in.Suppliers) <= MaxSuppliers, "suppliers", "range", fmt.Sprintf("at most %d", MaxSuppliers))
	allZero := true
	for _, s := range in.Suppliers {
		allZero = allZero && s.Rank == 0
	}
	if allZero {
		for i := range in.Suppliers {
			in.Suppliers[i].Rank = i + 1
		}
	}
	seen = map[string]bool{}
	ranks := map[int]bool{}
	for i, s := range in.Suppliers {
		f := fmt.Sprintf("suppliers[%d]", i)
		v.Check(auth.ValidUUID(s.OrgID), f+".org_id", "invalid_id", "must be a UUID")
		v.Check(!seen[s.OrgID], f+".org_id", "duplicate", "is listed twice")
		seen[s.OrgID] = true
		v.Check(s.Rank >= 1 && s.Rank <= len(in.Suppliers), f+".rank", "range", fmt.Sprintf("must be between 1 and %d", len(in.Suppliers)))
		v.Check(!ranks[s.Rank], f+".rank", "rank_taken", "is taken by another supplier")
		ranks[s.Rank] = true
		v.Check(s.EndsOn == nil || validDate(*s.EndsOn), f+".ends_on", "date", "must be a date YYYY-MM-DD or null")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if limit := longestValidTo(in.ValidFrom); in.ValidTo > limit && in.DurationJustification == "" {
		return &derr.Error{Kind: derr.Invalid, Code: CodeAgreementTooLong,
			Message: fmt.Sprintf("A framework agreement runs at most %d years (here until %s) unless you record a duration_justification.", MaxDurationYears, limit),
			Fields:  []derr.FieldError{{Field: "duration_justification", Code: "required", Message: "is required when valid_to is after " + limit}}}
	}
	return nil
}

// inputOf turns a stored agreement into the input that would create it, so that an update
// can be applied to it and checked by the same validate as a create.
func inputOf(a Agreement) AgreementInput {
	interval, response, approval := a.PriceAdjustmentIntervalMonths, a.ResponseTimeHours, a.CatalogueApproval
	in := AgreementInput{ProcurementBodyID: a.ProcurementBodyID, Reference: a.Reference, Title: a.Title,
		Description: a.Description, CPVCode: a.CPVCode, Currency: strings.TrimSpace(a.Currency), ValidFrom: a.ValidFrom,
		ValidTo: a.ValidTo, CeilingMinor: a.CeilingMinor, CallOffMethod: a.CallOffMethod, MinOrderMinor: a.MinOrderMinor,
		MaxPriceIncreaseBP: a.MaxPriceIncreaseBP, PriceAdjustmentIntervalMonths: &interval, LeadTimeDays: a.LeadTimeDays,
		ResponseTimeHours: &response, DurationJustification: a.DurationJustification, CatalogueApproval: &approval,
		Participants: make([]ParticipantInput, len(a.Participants)), Suppliers: make([]SupplierInput, len(a.Suppliers))}
	for i, p := range a.Participants {
		in.Participants[i] = ParticipantInput{OrgID: p.OrgID, CeilingMinor: p.CeilingMinor, EndsOn: p.EndsOn}
	}
	for i, s := range a.Suppliers {
		in.Suppliers[i] = SupplierInput{OrgID: s.OrgID, Rank: s.Rank, EndsOn: s.EndsOn}
	}
	return in
}

// apply applies a patch to the agreement's input; it reports the patch's own field errors
// (what validate cannot know: a new supplier without a rank, a bad status) and the
// participants and suppliers it adds, whose organisation kinds the caller checks.
func (p AgreementPatch) apply(in *AgreementInput) (terminate bool, added []ParticipantInput, addedSup []SupplierInput, err error) {
	var v derr.Validator
	if p.Title != nil {
		in.Title = *p.Title
	}
	if p.Description != nil {
		in.Description = *p.Description
	}
	if p.ValidFrom != nil {
		in.ValidFrom = *p.ValidFrom
	}
	if p.ValidTo != nil {
		in.ValidTo = *p.ValidTo
	}
	if p.CeilingMinor.Set {
		in.CeilingMinor = p.CeilingMinor.Value
	}
	if p.MinOrderMinor != nil {
		in.MinOrderMinor = *p.MinOrderMinor
	}
	if p.MaxPriceIncreaseBP != nil {
		in.MaxPriceIncreaseBP = *p.MaxPriceIncreaseBP
	}
	if p.PriceAdjustmentIntervalMonths != nil {
		in.PriceAdjustmentIntervalMonths = p.PriceAdjustmentIntervalMonths
	}
	if p.LeadTimeDays != nil {
		in.LeadTimeDays = *p.LeadTimeDays
	}
	if p.ResponseTimeHours != nil {
		in.ResponseTimeHours = p.ResponseTimeHours
	}
	if p.DurationJustification != nil {
		in.DurationJustification = *p.DurationJustification
	}
	if p.CatalogueApproval != nil {
		in.CatalogueApproval = p.CatalogueApproval
	}
	in.Note = p.Note
	if p.Status != nil {
		v.Check(*p.Status == StatusTerminated || *p.Status == StatusActive, "status", "choice", "must be terminated (or active, unchanged)")
		terminate = *p.Status == StatusTerminated
	}
	seen := map[string]bool{}
	for i, pp := range p.Participants {
		f := fmt.Sprintf("participants[%d]", i)
		id := strings.ToLower(pp.OrgID)
		v.Check(auth.ValidUUID(id), f+".org_id", "invalid_id", "must be a UUID")
		v.Check(!seen[id], f+".org_id", "duplicate", "is listed twice")
		seen[id] = true
		j := indexOf(len(in.Participants), func(k int) bool { return in.Participants[k].OrgID == id })
		if j < 0 {
			in.Participants = append(in.Participants, ParticipantInput{OrgID: id})
			j = len(in.Participants) - 1
			added = append(added, ParticipantInput{OrgID: id})
		}
		if pp.CeilingMinor.Set {
			in.Participants[j].CeilingMinor = pp.CeilingMinor.Value
		}
		if pp.EndsOn.Set {
			in.Participants[j].EndsOn = pp.EndsOn.Value
		}
	}
	seen = map[string]bool{}
	for i, sp := range p.Suppliers {
		f := fmt.Sprintf("suppliers[%d]", i)
		id := strings.ToLower(sp.OrgID)
		v.Check(auth.ValidUUID(id), f+".org_id", "invalid_id", "must be a UUID")
		v.Check(!seen[id], f+".org_id", "duplicate", "is listed twice")
		seen[id] = true
		j := indexOf(len(in.Suppliers), func(k int) bool { return in.Suppliers[k].OrgID == id })
		if j < 0 {
			v.Check(sp.Rank != nil, f+".rank", "required", "is required for a newly awarded supplier")
			in.Suppliers = append(in.Suppliers, SupplierInput{OrgID: id, Rank: -1})
			j = len(in.Suppliers) - 1
			addedSup = append(addedSup, SupplierInput{OrgID: id})
		}
		if sp.Rank != nil {
			in.Suppliers[j].Rank = *sp.Rank
		}
		if sp.EndsOn.Set {
			in.Suppliers[j].EndsOn = sp.EndsOn.Value
		}
	}
	return terminate, added, addedSup, v.Err()
}

func indexOf(n int, match func(int) bool) int {
	for i := 0; i < n; i++ {
		if match(i) {
			return i
		}
	}
	return -1
}
