package notify

import (
	"strings"
	"testing"
)

// Every mail kind has its texts in every language, with the same placeholders.
func TestEveryMailTextExistsInEveryLanguage(t *testing.T) {
	check := func(name string, m msg) {
		t.Helper()
		want := strings.Count(m.sv, "%s")
		for _, lang := range Languages {
			s := m.text(lang)
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: no %s text", name, lang)
			}
			if got := strings.Count(s, "%s"); got != want {
				t.Errorf("%s (%s): %d placeholders, Swedish has %d", name, lang, got, want)
			}
		}
	}
	for _, k := range Kinds {
		tx, ok := texts[k]
		if !ok {
			t.Errorf("kind %s has no texts", k)
			continue
		}
		check(string(k)+" subject", tx.subject)
		check(string(k)+" body", tx.body)
		if !strings.HasPrefix(tx.path, "/") {
			t.Errorf("kind %s links to %q, want a UI path", k, tx.path)
		}
	}
	if len(texts) != len(Kinds) {
		t.Errorf("%d kinds have texts, %d kinds are listed", len(texts), len(Kinds))
	}
	for name, m := range map[string]msg{"greeting": greeting, "note": noteLine, "open": openLine, "footer": footer} {
		check(name, m)
	}
}

// A reference or name with line breaks never splits a subject or the greeting.
func TestRenderKeepsHeaderTextsOnOneLine(t *testing.T) {
	m := render(LangEN, "https://x.example", queued{Kind: OrderDeclined, SubjectID: "abc", Reference: "A-1\r\nBcc: evil@example.org",
		Name: "Kim\nLind", Note: "out of stock", Email: "kim@example.org"})
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject %q has a line break", m.Subject)
	}
	if !strings.HasPrefix(m.Body, "Hello Kim Lind,\n") {
		t.Errorf("greeting %q", firstLine(m.Body))
	}
	if !strings.Contains(m.Body, "Note: out of stock") || !strings.Contains(m.Body, "https://x.example/orders/abc") {
		t.Errorf("body lacks the note or the link:\n%s", m.Body)
	}
}

func TestNewMailerReadsTheSMTPURL(t *testing.T) {
	const from = "Avrop <noreply@avrop.example>"
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"smtp://mail.example:2525", true},
		{"smtp://user:secret@mail.example", true},
		{"smtp://mail.example?tls=required", true},
		{"smtp://127.0.0.1:25?tls=none", true},
		{"smtps://user:secret@mail.example", true},
		{"http://mail.example", false},
		{"smtp://", false},
		{"smtp://mail.example:99999", false},
		{"smtp://mail.example?tls=maybe", false},
		{"::::", false},
	} {
		_, err := NewMailer(tc.url, from)
		if (err == nil) != tc.ok {
			t.Errorf("NewMailer(%q) error = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
	if _, err := NewMailer("smtp://mail.example", "not an address"); err == nil {
		t.Error("a malformed from address was taken")
	}
}
