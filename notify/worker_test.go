package notify

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestMailIsSentOnlyAfterItsChangeCommits(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	user, email := p.user(p.org("SE"), "orderer")
	srv := testenv.StartSMTP(t)
	w := worker(t, db, srv)

	tx := db.MustBegin()
	defer tx.Rollback() //nolint:errcheck
	ev := orderEvent(OrderShipped)
	testenv.Must(t, ToUser(ctx, tx, user, ev))
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatalf("before commit: SendDue: %v", err)
	}
	if got := srv.To(email); len(got) != 0 {
		t.Fatalf("before commit: server got %d mails, want 0", len(got))
	}
	testenv.Must(t, tx.Commit())
	if n, err := w.SendDue(ctx); err != nil || n != 1 {
		t.Fatalf("after commit: SendDue = %d, %v; want 1 sent", n, err)
	}
	got := srv.To(email)
	if len(got) != 1 {
		t.Fatalf("after commit: server got %d mails, want 1", len(got))
	}
	if !strings.Contains(got[0].Subject, ev.Reference) {
		t.Errorf("subject %q does not name the order %s", got[0].Subject, ev.Reference)
	}
	if rows := rowsOf(t, db, user); len(rows) != 1 || rows[0].Status != "sent" || rows[0].Attempts != 1 {
		t.Errorf("outbox = %+v, want one sent row after one attempt", rows)
	}
	// A second round has nothing left to send.
	if n, err := w.SendDue(ctx); err != nil || n != 0 {
		t.Fatalf("second round: SendDue = %d, %v; want 0", n, err)
	}
}

func TestRolledBackChangeSendsNoMail(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	org := p.org("SE")
	approver, email := p.user(org, "approver")
	srv := testenv.StartSMTP(t)
	w := worker(t, db, srv)

	// The change fails after queuing its mail: InTx rolls both back.
	err := postgres.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := ToRole(ctx, tx, org, "approver", "", orderEvent(OrderAwaitingApproval)); err != nil {
			return err
		}
		return fmt.Errorf("the ceiling is exceeded")
	})
	if err == nil {
		t.Fatal("the change did not fail")
	}
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	if got := srv.To(email); len(got) != 0 {
		t.Errorf("server got %d mails for a rolled-back change, want 0", len(got))
	}
	if rows := rowsOf(t, db, approver); len(rows) != 0 {
		t.Errorf("outbox holds %d rows for a rolled-back change, want 0", len(rows))
	}
}

// Two "processes" (two connection pools) with four workers each race over the same outbox;
// every mail reaches the server exactly once.
func TestEachMailIsSentOnceByRacingWorkers(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	other, err := postgres.Open(ctx, testenv.DatabaseURL(t))
	testenv.Must(t, err)
	defer other.Close()
	p := people{t, db}
	org := p.org("SE")
	const users, perUser = 10, 20
	emails := map[string]bool{}
	for range users {
		id, email := p.user(org, "approver")
		emails[strings.ToLower(email)] = true
		tx := db.MustBegin()
		for range perUser {
			testenv.Must(t, ToUser(ctx, tx, id, orderEvent(OrderAwaitingApproval)))
		}
		testenv.Must(t, tx.Commit())
	}
	srv := testenv.StartSMTP(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		pool := db
		if i%2 == 1 {
			pool = other
		}
		w := worker(t, pool, srv)
		wg.Go(func() {
			// Each worker keeps going until the outbox is empty, as `avrop serve` would.
			for range 50 {
				if _, err := w.SendDue(ctx); err != nil {
					errs <- err
					return
				}
				var left int
				if err := pool.Get(&left, `SELECT count(*) FROM mail_outbox WHERE status = 'pending'`); err != nil || left == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("worker: %v", err)
	}
	seen := map[string]int{}
	mine := 0
	for _, m := range srv.Received() {
		if emails[strings.ToLower(m.To)] {
			seen[m.MessageID]++
			mine++
		}
	}
	if mine != users*perUser || len(seen) != users*perUser {
		t.Fatalf("server got %d mails with %d distinct Message-IDs, want %d each", mine, len(seen), users*perUser)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("mail %s sent %d times, want once", id, n)
		}
	}
}

func TestMailIsRetriedWithBackoffWhileTheServerIsDown(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	user, email := p.user(p.org("SE"), "orderer")
	srv := testenv.StartSMTP(t)
	w := worker(t, db, srv)
	w.RetryBase, w.RetryMax = 300*time.Millisecond, time.Hour
	srv.Stop() // the mail server is down
	queue(t, db, user, orderEvent(OrderDeclined))

	if n, err := w.SendDue(ctx); err == nil || n != 0 {
		t.Fatalf("server down: SendDue = %d, %v; want 0 and an error", n, err)
	}
	rows := rowsOf(t, db, user)
	if len(rows) != 1 || rows[0].Status != "pending" || rows[0].Attempts != 1 || rows[0].LastError == "" {
		t.Fatalf("after a failed attempt: %+v, want pending, 1 attempt, the error kept", rows)
	}
	first := rows[0].NextAttemptAt
	// Not due yet: a round right away does not try again.
	if n, err := w.SendDue(ctx); err != nil || n != 0 {
		t.Fatalf("within backoff: SendDue = %d, %v; want 0 and no attempt", n, err)
	}
	if got := rowsOf(t, db, user)[0].Attempts; got != 1 {
		t.Fatalf("within backoff: attempts = %d, want still 1", got)
	}
	// The second failure waits twice as long.
	time.Sleep(time.Until(first) + 50*time.Millisecond)
	var before time.Time
	testenv.Must(t, db.Get(&before, `SELECT now()`))
	if _, err := w.SendDue(ctx); err == nil {
		t.Fatal("server still down: SendDue succeeded")
	}
	rows = rowsOf(t, db, user)
	if rows[0].Attempts != 2 {
		t.Fatalf("attempts = %d, want 2", rows[0].Attempts)
	}
	if wait := rows[0].NextAttemptAt.Sub(before); wait < 600*time.Millisecond || wait > 2*time.Second {
		t.Errorf("second backoff = %v, want about 600ms (2 × 300ms)", wait)
	}
	// The server comes back; the mail goes out once it is due.
	srv.Start()
	time.Sleep(time.Until(rows[0].NextAttemptAt) + 50*time.Millisecond)
	if n, err := w.SendDue(ctx); err != nil || n != 1 {
		t.Fatalf("server up: SendDue = %d, %v; want 1", n, err)
	}
	if got := srv.To(email); len(got) != 1 {
		t.Fatalf("server got %d mails, want 1", len(got))
	}
	if rows := rowsOf(t, db, user); rows[0].Status != "sent" || rows[0].Attempts != 3 {
		t.Errorf("after the outage: %+v, want sent after 3 attempts", rows[0])
	}
}

func TestMailRefusedForGoodIsNotRetried(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	user, email := p.user(p.org("SE"), "orderer")
	srv := testenv.StartSMTP(t)
	srv.Refuse(email)
	w := worker(t, db, srv)
	queue(t, db, user, orderEvent(OrderRejected))
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	rows := rowsOf(t, db, user)
	if len(rows) != 1 || rows[0].Status != "failed" || !strings.Contains(rows[0].LastError, "550") {
		t.Fatalf("refused mail: %+v, want failed with the server's 550", rows)
	}
}

func TestMailIsInTheReadersLanguageWithALinkToThePage(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	srv := testenv.StartSMTP(t)
	w := worker(t, db, srv)
	cases := []struct {
		name, country, chosen, wantLang, wantSubject, wantBody string
	}{
		{"Swedish organisation", "SE", "", "sv", "Beställning %s väntar på din attest", "Hej Kim Lind!"},
		{"Norwegian organisation", "NO", "", "nb", "Bestilling %s venter på din attestasjon", "Hei Kim Lind!"},
		{"Danish organisation", "DK", "", "da", "Bestilling %s afventer din godkendelse", "Hej Kim Lind"},
		{"other country", "FI", "", "en", "Order %s awaits your approval", "Hello Kim Lind,"},
		{"English chosen in Sweden", "SE", "en", "en", "Order %s awaits your approval", "Hello Kim Lind,"},
		{"Danish chosen in Norway", "NO", "da", "da", "Bestilling %s afventer din godkendelse", "Hej Kim Lind"},
		{"UI language Norwegian in Sweden", "SE", "ui:nb", "nb", "Bestilling %s venter på din attestasjon", "Hei Kim Lind!"},
		{"mail language over the UI language", "SE", "da ui:en", "da", "Bestilling %s afventer din godkendelse", "Hej Kim Lind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user, email := p.user(p.org(tc.country), "approver")
			for _, c := range strings.Fields(tc.chosen) {
				if ui, ok := strings.CutPrefix(c, "ui:"); ok {
					testenv.Must(t, db.Get(new(string), `UPDATE users SET language = $2 WHERE id = $1 RETURNING language`, user, ui))
				} else {
					testenv.Must(t, SaveSettings(ctx, db, user, Settings{Language: c}))
				}
			}
			ev := orderEvent(OrderAwaitingApproval)
			queue(t, db, user, ev)
			if _, err := w.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			got := srv.To(email)
			if len(got) != 1 {
				t.Fatalf("got %d mails, want 1", len(got))
			}
			if want := fmt.Sprintf(tc.wantSubject, ev.Reference); got[0].Subject != want {
				t.Errorf("subject %q, want %q", got[0].Subject, want)
			}
			if !strings.HasPrefix(got[0].Body, tc.wantBody) {
				t.Errorf("body starts %q, want %q", firstLine(got[0].Body), tc.wantBody)
			}
			if got[0].Language != tc.wantLang {
				t.Errorf("Content-Language %q, want %q", got[0].Language, tc.wantLang)
			}
			if link := "https://avrop.example/orders/" + ev.SubjectID; !strings.Contains(got[0].Body, link) {
				t.Errorf("body lacks the link %s:\n%s", link, got[0].Body)
			}
			if !strings.Contains(got[0].Body, "https://avrop.example"+SettingsPath) {
				t.Errorf("body lacks the settings link:\n%s", got[0].Body)
			}
		})
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func TestMailsTurnedOffAreNotSent(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	org := p.org("SE")
	off, offEmail := p.user(org, "approver")
	_, onEmail := p.user(org, "approver")
	srv := testenv.StartSMTP(t)
	w := worker(t, db, srv)

	// Queued while mails were on, turned off before sending: not sent either.
	queue(t, db, off, orderEvent(OrderAwaitingApproval))
	testenv.Must(t, SaveSettings(ctx, db, off, Settings{MailsOff: true}))
	tx := db.MustBegin()
	testenv.Must(t, ToRole(ctx, tx, org, "approver", "", orderEvent(OrderAwaitingApproval)))
	testenv.Must(t, tx.Commit())
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.To(offEmail); len(got) != 0 {
		t.Errorf("person with mails off got %d mails, want 0", len(got))
	}
	if got := srv.To(onEmail); len(got) != 1 {
		t.Errorf("person with mails on got %d mails, want 1", len(got))
	}
	for _, r := range rowsOf(t, db, off) {
		if r.Status != "skipped" {
			t.Errorf("mail to a person with mails off is %s, want skipped", r.Status)
		}
	}
	// Turned on again: new mails flow.
	testenv.Must(t, SaveSettings(ctx, db, off, Settings{MailsOff: false}))
	queue(t, db, off, orderEvent(OrderAwaitingApproval))
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.To(offEmail); len(got) != 1 {
		t.Errorf("after turning mails on: %d mails, want 1", len(got))
	}
	if s, err := GetSettings(ctx, db, off); err != nil || s.MailsOff {
		t.Errorf("settings = %+v, %v; want mails on", s, err)
	}
}

func TestToRoleReachesActiveHoldersOfTheRoleButNotTheActor(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	org := p.org("SE")
	actor, _ := p.user(org, "approver", "orderer")
	approver, _ := p.user(org, "approver")
	orderer, _ := p.user(org, "orderer")
	inactive, _ := p.user(org, "approver")
	testenv.Must(t, db.Get(new(bool), `UPDATE users SET active = false WHERE id = $1 RETURNING active`, inactive))
	otherOrg := p.org("SE")
	stranger, _ := p.user(otherOrg, "approver")

	tx := db.MustBegin()
	testenv.Must(t, ToRole(ctx, tx, org, "approver", actor, orderEvent(OrderAwaitingApproval)))
	testenv.Must(t, tx.Commit())
	for _, tc := range []struct {
		name string
		id   string
		want int
	}{{"the actor", actor, 0}, {"another approver", approver, 1}, {"an orderer", orderer, 0},
		{"an inactive approver", inactive, 0}, {"another organisation's approver", stranger, 0}} {
		if got := len(rowsOf(t, db, tc.id)); got != tc.want {
			t.Errorf("%s: %d mails queued, want %d", tc.name, got, tc.want)
		}
	}
}

func TestQueueRefusesAnUnknownKindAndCutsLongTexts(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	user, _ := p.user(p.org("SE"), "orderer")
	tx := db.MustBegin()
	defer tx.Rollback() //nolint:errcheck
	if err := ToUser(ctx, tx, user, Event{Kind: "order_exploded", SubjectID: newUUID()}); err == nil {
		t.Error("unknown kind queued")
	}
	long := strings.Repeat("å", maxNote+10)
	testenv.Must(t, ToUser(ctx, tx, user, Event{Kind: OrderDeclined, SubjectID: newUUID(), Reference: long, Note: long}))
	var ref, note string
	testenv.Must(t, tx.QueryRow(`SELECT reference, note FROM mail_outbox WHERE user_id = $1`, user).Scan(&ref, &note))
	if n := len([]rune(ref)); n != maxReference {
		t.Errorf("reference kept %d characters, want %d", n, maxReference)
	}
	if n := len([]rune(note)); n != maxNote {
		t.Errorf("note kept %d characters, want %d", n, maxNote)
	}
}

func TestSaveSettingsRefusesAnUnknownLanguage(t *testing.T) {
	db := testenv.DB(t)
	p := people{t, db}
	user, _ := p.user(p.org("SE"), "orderer")
	if err := SaveSettings(context.Background(), db, user, Settings{Language: "fi"}); err == nil {
		t.Fatal("language fi saved")
	}
	if s, _ := GetSettings(context.Background(), db, user); s.Language != "" {
		t.Errorf("language = %q after a refused save, want none", s.Language)
	}
}

func TestPurgeDeletesOnlyOldEndedMails(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	p := people{t, db}
	user, _ := p.user(p.org("SE"), "orderer")
	for range 3 {
		queue(t, db, user, orderEvent(OrderShipped))
	}
	testenv.Must(t, db.Get(new(int64), `
		WITH u AS (UPDATE mail_outbox SET status = 'sent', done_at = now() - interval '40 days'
		           WHERE id = (SELECT min(id) FROM mail_outbox WHERE user_id = $1) RETURNING id)
		SELECT id FROM u`, user))
	if _, err := Purge(ctx, db, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if rows := rowsOf(t, db, user); len(rows) != 2 {
		t.Errorf("%d mails left, want the 2 pending ones", len(rows))
	}
}
