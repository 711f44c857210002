package frontend

import (
	"encoding/json"
	"net/http"
	"strings"

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

func (s *server) devicePage(q *req) error { return s.renderDevice(q, http.StatusOK, nil) }

func (s *server) renderDevice(q *req, status int, f *form) error {
	p, err := s.Orders.Placements().Get(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{}
	}
	d := deviceData{P: p, History: deviceHistory(p.Events), Form: f,
		CanMove: p.Status == placements.StatusOrdered || p.Status == placements.StatusInstalled}
	return q.render(status, "device", "device.title", d)
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
			return s.renderDevice(q, statusOf(err), fm)
		}
		return err
	}
	q.redirect("/devices/" + id + "?msg=device_moved#history")
	return nil
}
