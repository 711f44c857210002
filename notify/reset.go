package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	mail "github.com/wneessen/go-mail"
)

// A password reset link is a secret (anyone holding it sets the password), so it is mailed
// at once and never queued in the outbox, where it would lie in the database as plain text
// until sent: SendPasswordReset talks to the SMTP server while the administrator waits, and a
// failure is reported to them (the link is then shown for them to pass on). It goes out whatever
// the person's mail setting: it is not a notification but the way into their account.

var (
	resetSubject = msg{sv: "Välj ett nytt lösenord i Avrop", en: "Choose a new password in Avrop", nb: "Velg et nytt passord i Avrop", da: "Vælg en ny adgangskode i Avrop"}
	resetBody    = msg{
		sv: "Din administratör har gett dig en länk för att välja ett nytt lösenord. Länken fungerar en gång, till %s. Har du inte bett om det kan du bortse från det här brevet.",
		en: "Your administrator has given you a link to choose a new password. The link works once, until %s. If you did not ask for it, you can ignore this mail.",
		nb: "Administratoren din har gitt deg en lenke for å velge et nytt passord. Lenken virker én gang, til %s. Har du ikke bedt om det, kan du se bort fra denne e-posten.",
		da: "Din administrator har givet dig et link til at vælge en ny adgangskode. Linket virker én gang, indtil %s. Har du ikke bedt om det, kan du se bort fra denne mail.",
	}
	resetOpen = msg{sv: "Välj lösenord här:", en: "Choose your password here:", nb: "Velg passord her:", da: "Vælg adgangskode her:"}
)

// resetZone is the time a reset link's expiry is written in: the product's users are Nordic.
var resetZone = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

// renderReset is the reset mail for a person in their language.
func renderReset(lang, to, name, link string, expires time.Time) Mail {
	var b strings.Builder
	fmt.Fprintf(&b, greeting.text(lang)+"\n\n", oneLine(name))
	fmt.Fprintf(&b, resetBody.text(lang)+"\n\n", expires.In(resetZone).Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "%s\n%s\n", resetOpen.text(lang), link)
	return Mail{To: to, Subject: resetSubject.text(lang), Body: b.String()}
}

// SendPasswordReset mails a person their one-time password reset link now, in their mail
// language (MailLanguage, as every other mail to them). Errors: the database's, the SMTP
// server's.
func (m *Mailer) SendPasswordReset(ctx context.Context, db sqlx.QueryerContext, userID, to, name, link string, expires time.Time) error {
	lang, err := MailLanguage(ctx, db, userID)
	if err != nil {
		return err
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	msg, err := m.build(renderReset(lang, to, name, link, expires), lang, "reset-"+hex.EncodeToString(id[:]))
	if err != nil {
		return err
	}
	c := &conn{m: m}
	defer c.close()
	return c.send(ctx, func() (*mail.Msg, error) { return msg, nil })
}
