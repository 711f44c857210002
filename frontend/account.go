package frontend

import (
	"net/http"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/notify"
)

// The settings page (/account): every signed-in person's own mail settings (SPEC §8 "Each
// person can turn mails off"). It only ever reads and writes the caller's own settings: the
// user comes from the session, never from the form.
func (s *server) accountRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /account", s.authed(s.accountPage))
	mux.HandleFunc("POST /account", s.authed(s.saveAccount))
}

type accountData struct {
	Settings notify.Settings
	// DefaultLanguage is the mail language used when none is chosen.
	DefaultLanguage string
	Languages       []struct{ Code, Name string }
	Roles           []auth.Role
	Invalid         bool
}

func (s *server) accountData(q *req, st notify.Settings) accountData {
	return accountData{Settings: st, DefaultLanguage: notify.DefaultLanguage(q.user.Language, q.org.Country), Languages: languages, Roles: q.caller.Roles}
}

func (s *server) accountPage(q *req) error {
	st, err := s.Mail.Get(q.ctx(), q.caller.UserID)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "account", "account.title", s.accountData(q, st))
}

func (s *server) saveAccount(q *req) error {
	st := notify.Settings{MailsOff: q.r.PostFormValue("mails") != "on", Language: q.r.PostFormValue("mail_language")}
	if st.Language != "" && !notify.ValidLanguage(st.Language) {
		d := s.accountData(q, st)
		d.Invalid = true
		return q.render(http.StatusUnprocessableEntity, "account", "account.title", d)
	}
	if err := s.Mail.Save(q.ctx(), q.caller.UserID, st); err != nil {
		return err
	}
	q.redirect("/account?msg=account_saved")
	return nil
}

// HasKey reports whether the message catalogue has key (for texts that exist for some roles).
func (v *view) HasKey(key string) bool { return hasKey(key) }

// LanguageName names a UI language in itself ("Svenska").
func (v *view) LanguageName(code string) string {
	for _, l := range languages {
		if l.Code == code {
			return l.Name
		}
	}
	return code
}
