package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
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
			err := startMail(ctx, config{SMTPURL: tc.smtp, MailFrom: tc.from, BaseURL: tc.base}, nil, logger)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("startMail = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}
