package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	mail "github.com/wneessen/go-mail"
)

// Mailer talks to one SMTP server through go-mail.
type Mailer struct {
	host     string
	opts     []mail.Option
	from     string
	idDomain string // the right-hand side of Message-IDs: the sender's domain
}

// NewMailer reads an SMTP URL: smtp://[user:pass@]host[:port] (STARTTLS when the server
// offers it, port 587 by default; ?tls=required refuses a server without it, ?tls=none never
// starts TLS) or smtps://[user:pass@]host[:port] (TLS from the first byte, port 465). from is
// the sender's address, e.g. "Avrop <noreply@example.org>".
func NewMailer(smtpURL, from string) (*Mailer, error) {
	u, err := url.Parse(smtpURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("notify: AVROP_SMTP_URL is not an smtp:// or smtps:// URL with a host")
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: AVROP_MAIL_FROM %q is not a mail address: %w", from, err)
	}
	m := &Mailer{host: u.Hostname(), from: from, idDomain: addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]}
	port := 587
	switch u.Scheme {
	case "smtp":
		switch u.Query().Get("tls") {
		case "", "opportunistic":
			m.opts = append(m.opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		case "required":
			m.opts = append(m.opts, mail.WithTLSPolicy(mail.TLSMandatory))
		case "none":
			m.opts = append(m.opts, mail.WithTLSPolicy(mail.NoTLS))
		default:
			return nil, fmt.Errorf("notify: AVROP_SMTP_URL: tls must be opportunistic, required or none")
		}
	case "smtps":
		port = 465
		m.opts = append(m.opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("notify: AVROP_SMTP_URL must start with smtp:// or smtps://")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("notify: AVROP_SMTP_URL: bad port %q", p)
		}
	}
	m.opts = append(m.opts, mail.WithPort(port), mail.WithTimeout(15*time.Second))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		m.opts = append(m.opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return m, nil
}

// Worker sends the outbox's due mails. Any number of workers (in one process or in several
// replicas) may run against the same database: each mail is claimed with
// FOR UPDATE SKIP LOCKED in a transaction that holds it while it is sent and marks it sent,
// so no two workers ever send the same row.
type Worker struct {
	DB     *sqlx.DB
	Mailer *Mailer
	// BaseURL is the UI's absolute address (AVROP_BASE_URL); mails link under it.
	BaseURL string
	// Poll is how often the outbox is looked at; 5 s when zero.
	Poll time.Duration
	// RetryBase and RetryMax bound the backoff after a failed attempt: RetryBase·2^(n-1)
	// after the n-th failure, at most RetryMax (30 s and 1 h when zero).
	RetryBase, RetryMax time.Duration
	// GiveUpAfter is how long a mail is retried before it is marked failed (72 h when zero).
	GiveUpAfter time.Duration
	Logger      *slog.Logger
}

// Run sends due mails every Poll until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	poll := w.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := w.SendDue(ctx); err != nil && ctx.Err() == nil {
			w.logger().WarnContext(ctx, "mail not sent; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// queued is an outbox row with what rendering it needs.
type queued struct {
	ID        int64     `db:"id"`
	Kind      Kind      `db:"kind"`
	SubjectID string    `db:"subject_id"`
	Reference string    `db:"reference"`
	Note      string    `db:"note"`
	Attempts  int       `db:"attempts"`
	CreatedAt time.Time `db:"created_at"`
	Email     string    `db:"email"`
	Name      string    `db:"name"`
	Active    bool      `db:"active"`
	MailsOff  bool      `db:"mails_off"`
	Language  string    `db:"language"`
}

// errBadMessage is a mail that cannot be written (the recipient's address is malformed).
var errBadMessage = errors.New("mail cannot be written")

// errNoneDue ends a round: nothing is due now.
var errNoneDue = errors.New("no mail due")

// SendDue sends every mail that is due, over one SMTP connection, and reports how many it
// sent. It stops at the first failure to reach the server (the mail is rescheduled with
// backoff) and returns that error; a mail the server refuses for good is marked failed and
// the round goes on.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	c := &conn{m: w.Mailer}
	defer c.close()
	sent := 0
	for ctx.Err() == nil {
		ok, err := w.sendOne(ctx, c)
		if errors.Is(err, errNoneDue) {
			return sent, nil
		}
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, ctx.Err()
}

// sendOne claims the next due mail and sends, skips or reschedules it, all in one
// transaction; it reports whether a mail went out.
func (w *Worker) sendOne(ctx context.Context, c *conn) (bool, error) {
	tx, err := w.DB.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("notify: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit this is a no-op
	var q queued
	err = tx.GetContext(ctx, &q, `
		SELECT o.id, o.kind, o.subject_id, o.reference, o.note, o.attempts, o.created_at,
		       u.email, u.name, u.active, coalesce(ms.mails_off, false) AS mails_off, `+languageSQL+` AS language
		FROM mail_outbox o
		JOIN users u ON u.id = o.user_id
		JOIN organizations g ON g.id = u.org_id
		LEFT JOIN mail_settings ms ON ms.user_id = o.user_id
		WHERE o.status = 'pending' AND o.next_attempt_at <= now()
		ORDER BY o.next_attempt_at, o.id
		LIMIT 1
		FOR UPDATE OF o SKIP LOCKED`)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errNoneDue
	}
	if err != nil {
		return false, fmt.Errorf("notify: claim mail: %w", err)
	}
	if _, ok := texts[q.Kind]; !ok || q.MailsOff || !q.Active {
		reason := "mails turned off"
		switch {
		case !ok:
			reason = "unknown kind"
		case !q.Active:
			reason = "user inactive"
		}
		return false, w.finish(ctx, tx, q.ID, "skipped", reason)
	}
	sendErr := c.send(ctx, w.message(q))
	if sendErr == nil {
		return true, w.finish(ctx, tx, q.ID, "sent", "")
	}
	c.close() // the connection may be broken; the next mail dials afresh
	var se *mail.SendError
	if errors.Is(sendErr, errBadMessage) || errors.As(sendErr, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		// The server refused this mail for good (an unknown mailbox): retrying cannot help.
		w.logger().WarnContext(ctx, "mail refused by the server", "mail", q.ID, "err", sendErr)
		return false, w.finish(ctx, tx, q.ID, "failed", sendErr.Error())
	}
	if q.CreatedAt.Before(time.Now().Add(-w.giveUpAfter())) {
		w.logger().ErrorContext(ctx, "mail given up after retries", "mail", q.ID, "attempts", q.Attempts+1, "err", sendErr)
		return false, w.finish(ctx, tx, q.ID, "failed", sendErr.Error())
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,
		       next_attempt_at = now() + make_interval(secs => $3)
		WHERE id = $1`, q.ID, cut(sendErr.Error(), 1000), w.backoff(q.Attempts+1).Seconds()); err != nil {
		return false, fmt.Errorf("notify: reschedule mail: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("notify: commit: %w", err)
	}
	return false, fmt.Errorf("notify: mail %d (attempt %d): %w", q.ID, q.Attempts+1, sendErr)
}

// finish records a mail's end (sent, skipped or failed) and commits. A commit that fails
// after the server took the mail leaves it pending, and it is sent again: the one case of a
// second copy, which carries the same Message-ID so that mail clients can drop it.
func (w *Worker) finish(ctx context.Context, tx *sqlx.Tx, id int64, status, why string) error {
	if _, err := tx.ExecContext(ctx, `
		UPDATE mail_outbox SET status = $2, last_error = $3, done_at = now(),
		       attempts = attempts + CASE WHEN $2 = 'skipped' THEN 0 ELSE 1 END
		WHERE id = $1`, id, status, cut(why, 1000)); err != nil {
		return fmt.Errorf("notify: record mail %s: %w", status, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("notify: commit: %w", err)
	}
	return nil
}

func (w *Worker) backoff(failures int) time.Duration {
	base, max := w.RetryBase, w.RetryMax
	if base <= 0 {
		base = 30 * time.Second
	}
	if max <= 0 {
		max = time.Hour
	}
	d := base
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func (w *Worker) giveUpAfter() time.Duration {
	if w.GiveUpAfter > 0 {
		return w.GiveUpAfter
	}
	return 72 * time.Hour
}

// message builds the mail for q in its reader's language; its Message-ID is the outbox row's,
// so any copy of the same mail has the same one.
func (w *Worker) message(q queued) func() (*mail.Msg, error) {
	return func() (*mail.Msg, error) {
		return w.Mailer.build(render(q.Language, w.BaseURL, q), q.Language, fmt.Sprintf("mail-%d", q.ID))
	}
}

// build is a rendered mail as a plain-text message from the Mailer's sender, marked
// auto-generated, in lang (when it is one of the mail languages), with the Message-ID
// avrop-<id>@<the sender's domain>.
func (m *Mailer) build(r Mail, lang, id string) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return nil, err
	}
	if err := msg.To(r.To); err != nil {
		return nil, err
	}
	msg.Subject(r.Subject)
	msg.SetBodyString(mail.TypeTextPlain, r.Body)
	msg.SetMessageIDWithValue(fmt.Sprintf("avrop-%s@%s", id, m.idDomain))
	msg.SetDate()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if ValidLanguage(lang) {
		msg.SetGenHeader(mail.HeaderContentLang, lang)
	}
	return msg, nil
}

// conn is one round's SMTP connection, dialled at the first mail.
type conn struct {
	m      *Mailer
	client *mail.Client
}

func (c *conn) send(ctx context.Context, build func() (*mail.Msg, error)) error {
	msg, err := build()
	if err != nil {
		// A message that cannot be built (a malformed address) never will be.
		return fmt.Errorf("%w: %w", errBadMessage, err)
	}
	if c.client == nil {
		cl, err := mail.NewClient(c.m.host, c.m.opts...)
		if err != nil {
			return fmt.Errorf("smtp client: %w", err)
		}
		if err := cl.DialWithContext(ctx); err != nil {
			return fmt.Errorf("smtp dial: %w", err)
		}
		c.client = cl
	}
	return c.client.Send(msg)
}

func (c *conn) close() {
	if c.client != nil {
		_ = c.client.Close()
		c.client = nil
	}
}

// Purge deletes mails that ended (sent, skipped, failed) more than olderThan ago; run as a
// background job, once across replicas.
func Purge(ctx context.Context, db sqlx.ExecerContext, olderThan time.Duration) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM mail_outbox WHERE status <> 'pending' AND done_at < now() - make_interval(secs => $1)`, olderThan.Seconds())
	if err != nil {
		return 0, fmt.Errorf("notify: purge: %w", err)
	}
	return res.RowsAffected()
}
