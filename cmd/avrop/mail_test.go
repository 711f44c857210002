package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/notify"
)

// Mail configuration: none means no worker and no error; a wrong URL stops serve at start.
func TestStartMailChecksItsConfiguration(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, tc := range []struct {
		name, smtp, from, base, wantErr string
	}{
		{"no SMTP: mails stay queued", "", "", "", ""},
		{"not an SMTP URL", "http://mail.example", "Avrop <a@b.example>", "https://avrop.example", "smtp://"},
		{"bad sender", "smtp://mail.example", "nobody", "https://avrop.example", "AVROP_MAIL_FROM"},
		{"relative base URL", "smtp://mail.example", "Avrop <a@b.example>", "/avrop", "AVROP_BASE_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := startMail(ctx, config{SMTPURL: tc.smtp, MailFrom: tc.from, BaseURL: tc.base}, nil, logger)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("startMail = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

// Two real `avrop serve` processes on one database, both with a mail worker, share the outbox:
// 100 mails, half queued before they start and half while they run, reach the SMTP server once
// each.
func TestTwoServeProcessesSendEachMailOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the real binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go toolchain not on PATH")
	}
	db := testenv.DB(t)
	ctx := context.Background()
	smtpSrv := testenv.StartSMTP(t)
	bin := filepath.Join(t.TempDir(), "avrop")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var org string
	testenv.Must(t, db.Get(&org, `INSERT INTO organizations (name, org_number, kind, country) VALUES ($1, $2, 'buyer', 'SE') RETURNING id`,
		"Mejlkommun "+testenv.Unique(), testenv.OrgNumber()))
	type person struct{ id, email string }
	var people []person
	for range 5 {
		p := person{email: "m" + testenv.Unique() + "@example.se"}
		testenv.Must(t, db.Get(&p.id, `INSERT INTO users (org_id, email, name, password_hash, roles) VALUES ($1, $2, 'Mejl Mottagare', 'x', '{approver}') RETURNING id`,
			org, p.email))
		people = append(people, p)
	}
	queue := func(n int) {
		tx := db.MustBegin()
		for i := range n {
			testenv.Must(t, notify.ToUser(ctx, tx, people[i%len(people)].id, notify.Event{Kind: notify.OrderAwaitingApproval,
				SubjectID: uuid.NewString(), Reference: fmt.Sprintf("B-%d", i)}))
		}
		testenv.Must(t, tx.Commit())
	}
	const total = 100
	queue(total / 2)
	for range 2 {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+testenv.DatabaseURL(t), "REDIS_URL=redis://127.0.0.1:1/0",
			"AVROP_ADDR=127.0.0.1:0", "AVROP_ENV=development", "DATABASE_POOL_SIZE=5",
			"AVROP_SMTP_URL="+smtpSrv.URL(), "AVROP_MAIL_FROM=Avrop <noreply@avrop.example>",
			"AVROP_BASE_URL=https://avrop.example", "AVROP_MAIL_POLL=50ms")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		testenv.Must(t, cmd.Start())
		t.Cleanup(func() {
			cmd.Process.Kill() //nolint:errcheck
			cmd.Wait()         //nolint:errcheck
			if t.Failed() {
				t.Logf("avrop serve:\n%s", logs.String())
			}
		})
	}
	queue(total / 2)
	mine := func() map[string]int {
		ids := map[string]int{}
		for _, p := range people {
			for _, m := range smtpSrv.To(p.email) {
				ids[m.MessageID]++
			}
		}
		return ids
	}
	deadline := time.Now().Add(90 * time.Second)
	for len(mine()) < total && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // time for a second copy to arrive, if one were sent
	ids := mine()
	if len(ids) != total {
		t.Fatalf("%d distinct mails arrived, want %d", len(ids), total)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("mail %s arrived %d times, want once", id, n)
		}
	}
	var sent int
	testenv.Must(t, db.Get(&sent, `SELECT count(*) FROM mail_outbox o JOIN users u ON u.id = o.user_id WHERE u.org_id = $1 AND o.status = 'sent'`, org))
	if sent != total {
		t.Errorf("%d mails marked sent, want %d", sent, total)
	}
}
