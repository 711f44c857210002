package notify

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/testenv"
)

// received is one mail as the test SMTP server took it, decoded.
type received struct {
	To, Subject, Body, MessageID, Language string
}

// smtpServer is a real SMTP server (emersion/go-smtp) in the test process that keeps what it
// receives. It can be stopped and started again on the same port, as a mail server outage.
type smtpServer struct {
	t      testing.TB
	addr   string
	mu     sync.Mutex
	mails  []received
	refuse map[string]bool // recipients answered 550
	srv    *smtp.Server
	l      net.Listener
}

func newSMTPServer(t testing.TB) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, refuse: map[string]bool{}}
	s.start("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

func (s *smtpServer) start(addr string) {
	s.t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatalf("listen: %v", err)
	}
	s.addr = l.Addr().String()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.l = srv, l
	s.mu.Unlock()
	go srv.Serve(l) //nolint:errcheck // ends with Close
}

func (s *smtpServer) stop() {
	s.mu.Lock()
	srv, l := s.srv, s.l
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener too: Close may run before Serve has taken it.
		_ = l.Close()
		_ = srv.Close()
	}
}

// url is the AVROP_SMTP_URL of this server.
func (s *smtpServer) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

// to lists the mails received for one address.
func (s *smtpServer) to(addr string) []received {
	var out []received
	for _, m := range s.received() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

type session struct {
	s  *smtpServer
	to []string
}

func (*session) Reset()                               {}
func (*session) Logout() error                        { return nil }
func (*session) Mail(string, *smtp.MailOptions) error { return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refuse := x.s.refuse[strings.ToLower(to)]
	x.s.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	msg, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	for _, to := range x.to {
		x.s.mails = append(x.s.mails, received{To: to, Subject: subject, Body: string(b),
			MessageID: msg.Header.Get("Message-Id"), Language: msg.Header.Get("Content-Language")})
	}
	x.to = nil
	return nil
}

// people makes organisations and users for the tests with plain SQL (notify imports no
// domain package).
type people struct {
	t  testing.TB
	db *sqlx.DB
}

func (p people) org(country string) string {
	p.t.Helper()
	var id string
	testenv.Must(p.t, p.db.Get(&id, `INSERT INTO organizations (name, org_number, kind, country) VALUES ($1, $2, 'buyer', $3) RETURNING id`,
		"Org "+testenv.Unique(), testenv.OrgNumber(), country))
	return id
}

// user returns a new user's id and address.
func (p people) user(org string, roles ...string) (string, string) {
	p.t.Helper()
	email := "u" + testenv.Unique() + "@example.org"
	var id string
	testenv.Must(p.t, p.db.Get(&id, `INSERT INTO users (org_id, email, name, password_hash, roles) VALUES ($1, $2, 'Kim Lind', 'x', $3) RETURNING id`,
		org, email, "{"+strings.Join(roles, ",")+"}"))
	// A test's mails left pending would be sent by the next test's workers.
	p.t.Cleanup(func() { p.db.Exec(`DELETE FROM mail_outbox WHERE user_id = $1`, id) }) //nolint:errcheck
	return id, email
}

// worker is a worker with short backoff against srv.
func worker(t testing.TB, db *sqlx.DB, srv *smtpServer) *Worker {
	t.Helper()
	m, err := NewMailer(srv.url(), "Avrop <noreply@avrop.example>")
	if err != nil {
		t.Fatal(err)
	}
	return &Worker{DB: db, Mailer: m, BaseURL: "https://avrop.example/", RetryBase: 50 * time.Millisecond, RetryMax: time.Second}
}

// queue queues ev for user in a transaction of its own and commits it.
func queue(t testing.TB, db *sqlx.DB, userID string, ev Event) {
	t.Helper()
	tx := db.MustBegin()
	if err := ToUser(context.Background(), tx, userID, ev); err != nil {
		t.Fatal(err)
	}
	testenv.Must(t, tx.Commit())
}

func orderEvent(kind Kind) Event {
	return Event{Kind: kind, SubjectID: newUUID(), Reference: "A-" + testenv.Unique()}
}

func newUUID() string { return uuid.NewString() }

// outboxRow is what a test reads back of a mail.
type outboxRow struct {
	Status        string    `db:"status"`
	Attempts      int       `db:"attempts"`
	NextAttemptAt time.Time `db:"next_attempt_at"`
	LastError     string    `db:"last_error"`
}

func rowsOf(t testing.TB, db *sqlx.DB, userID string) []outboxRow {
	t.Helper()
	var rows []outboxRow
	testenv.Must(t, db.Select(&rows, `SELECT status, attempts, next_attempt_at, last_error FROM mail_outbox WHERE user_id = $1 ORDER BY id`, userID))
	return rows
}
