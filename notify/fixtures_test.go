package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/testenv"
)

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
func worker(t testing.TB, db *sqlx.DB, srv *testenv.SMTPServer) *Worker {
	t.Helper()
	m, err := NewMailer(srv.URL(), "Avrop <noreply@avrop.example>")
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
