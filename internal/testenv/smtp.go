package testenv

import (
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
)

// Mail is one mail as the test SMTP server took it, decoded.
type Mail struct {
	To, Subject, Body, MessageID, Language string
}

// SMTPServer is a real SMTP server (emersion/go-smtp) in the test process that keeps what it
// receives. It can be stopped and started again on the same port, as a mail server outage,
// and can refuse chosen recipients for good (550).
type SMTPServer struct {
	t      testing.TB
	mu     sync.Mutex
	addr   string
	mails  []Mail
	refuse map[string]bool
	srv    *smtp.Server
	l      net.Listener
}

// StartSMTP starts a test SMTP server on a free local port; it stops when the test ends.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	s := &SMTPServer{t: t, refuse: map[string]bool{}}
	s.listen("127.0.0.1:0")
	t.Cleanup(s.Stop)
	return s
}

func (s *SMTPServer) listen(addr string) {
	s.t.Helper()
	l, err := net.Listen("tcp", addr)
	Must(s.t, err)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.addr, s.srv, s.l = l.Addr().String(), srv, l
	s.mu.Unlock()
	go srv.Serve(l) //nolint:errcheck // ends with Stop
}

// Start starts a stopped server again on its port.
func (s *SMTPServer) Start() { s.t.Helper(); s.listen(s.Addr()) }

// Stop stops the server; connections are refused until Start.
func (s *SMTPServer) Stop() {
	s.mu.Lock()
	srv, l := s.srv, s.l
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if srv != nil {
		_ = l.Close() // Close may run before Serve has taken the listener
		_ = srv.Close()
	}
}

// Addr is the server's host:port.
func (s *SMTPServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL is the server's AVROP_SMTP_URL (no TLS).
func (s *SMTPServer) URL() string { return "smtp://" + s.Addr() + "?tls=none" }

// Refuse makes the server answer 550 for the address from now on.
func (s *SMTPServer) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[strings.ToLower(addr)] = true
}

// Received returns every mail received so far.
func (s *SMTPServer) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// To returns the mails received for one address.
func (s *SMTPServer) To(addr string) []Mail {
	var out []Mail
	for _, m := range s.Received() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

type smtpSession struct {
	s  *SMTPServer
	to []string
}

func (*smtpSession) Reset()                               {}
func (*smtpSession) Logout() error                        { return nil }
func (*smtpSession) Mail(string, *smtp.MailOptions) error { return nil }

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refuse := x.s.refuse[strings.ToLower(to)]
	x.s.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
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
		x.s.mails = append(x.s.mails, Mail{To: to, Subject: subject, Body: string(b),
			MessageID: msg.Header.Get("Message-Id"), Language: msg.Header.Get("Content-Language")})
	}
	x.to = nil
	return nil
}
