package frontend

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// A device's own page (/devices/{id}) for the buyer: its terms, the form that moves it with
// the recipient to another address (SPEC §7 /move, the status stays), and its history — every
// move of the placement as the append-only event the service recorded, newest last.

type deviceData struct {
	P       placements.Placement
	History []deviceEvent
	Form    *form
	CanMove bool
	// Outages are the service outages reported on this device, newest first; CanReport says
	// whether one can be reported now (the device is or was installed). OutageForm is the
	// outage form's input and errors.
	Outages    []orders.Deviation
	CanReport  bool
	OutageForm *form
}

// deviceEvent is a placement event with what it changed, in words the template can show.
type deviceEvent struct {
	placements.Event
	Address, FromAddress, RecipientRef, InstalledOn, EndDate string
}

func deviceHistory(es []placements.Event) []deviceEvent {
	out := make([]deviceEvent, 0, len(es))
	for _, e := range es {
		var d struct {
			Address      string `json:"address"`
			FromAddress  string `json:"from_address"`
			RecipientRef string `json:"recipient_ref"`
			InstalledOn  string `json:"installed_on"`
			EndDate      string `json:"end_date"`
		}
		json.Unmarshal(e.Detail, &d) //nolint:errcheck // a detail without these fields shows none
		out = append(out, deviceEvent{Event: e, Address: d.Address, FromAddress: d.FromAddress, RecipientRef: d.RecipientRef,
			InstalledOn: d.InstalledOn, EndDate: d.EndDate})
	}
	return out
}

func (s *server) devicePage(q *req) error { return s.renderDevice(q, http.StatusOK, nil, nil) }

func (s *server) renderDevice(q *req, status int, f, outage *form) error {
	p, err := s.Orders.Placements().Get(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{}
	}
	if outage == nil {
		outage = &form{}
	}
	devs, err := s.Orders.ListOrderDeviations(q.ctx(), *q.caller, p.OrderID)
	if err != nil {
		return err
	}
	d := deviceData{P: p, History: deviceHistory(p.Events), Form: f, OutageForm: outage,
		CanMove:   p.Status == placements.StatusOrdered || p.Status == placements.StatusInstalled,
		CanReport: p.Status == placements.StatusInstalled || (p.Status == placements.StatusEnded && p.InstalledOn != nil)}
	for _, dv := range devs {
		if dv.Kind == orders.DeviationServiceOutage && dv.PlacementID != nil && *dv.PlacementID == p.ID {
			d.Outages = append(d.Outages, dv)
		}
	}
	slices.SortFunc(d.Outages, func(a, b orders.Deviation) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return q.render(status, "device", "device.title", d)
}

// reportOutage reports a service outage of the device (SPEC §7): a deviation the supplier
// answers within the agreement's service_response_hours, counted on the scorecard.
func (s *server) reportOutage(q *req) error {
	id := q.r.PathValue("id")
	if _, err := s.Orders.ReportOutage(q.ctx(), *q.caller, id, q.r.PostFormValue("description")); err != nil {
		if fm, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderDevice(q, statusOf(err), nil, fm)
		}
		return err
	}
	q.redirect("/devices/" + id + "?msg=outage_reported#outages")
	return nil
}

// moveDevice moves a device with its recipient to another address, optionally under a new
// recipient reference (an empty field keeps the reference).
func (s *server) moveDevice(q *req) error {
	id := q.r.PathValue("id")
	in := placements.MoveInput{Address: strings.TrimSpace(q.r.PostFormValue("address"))}
	if ref := strings.TrimSpace(q.r.PostFormValue("recipient_ref")); ref != "" {
		in.RecipientRef = &ref
	}
	if _, err := s.Orders.Placements().Move(q.ctx(), *q.caller, id, in); err != nil {
		if fm, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderDevice(q, statusOf(err), fm, nil)
		}
		return err
	}
	q.redirect("/devices/" + id + "?msg=device_moved#history")
	return nil
}
