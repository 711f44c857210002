package notify

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/derr"
)

// Settings are one person's mail settings.
type Settings struct {
	// MailsOff stops every mail to the person, also those already queued.
	MailsOff bool `db:"mails_off"`
	// Language is the language mails are written in; empty means the person's UI language
	// when an administrator set one, else that of their organisation's country (SE sv, NO nb,
	// DK da, others en).
	Language string `db:"language"`
}

// GetSettings returns the person's mail settings; a person who never saved any has the
// defaults (mails on, the country's language).
func GetSettings(ctx context.Context, db sqlx.QueryerContext, userID string) (Settings, error) {
	var s Settings
	err := sqlx.GetContext(ctx, db, &s, `
		SELECT coalesce(ms.mails_off, false) AS mails_off, coalesce(ms.language, '') AS language
		FROM users u LEFT JOIN mail_settings ms ON ms.user_id = u.id WHERE u.id = $1`, userID)
	if err != nil {
		return Settings{}, fmt.Errorf("notify: settings: %w", err)
	}
	return s, nil
}

// SaveSettings stores the person's mail settings. Errors: Invalid (language not one of the
// mail languages).
func SaveSettings(ctx context.Context, db sqlx.ExecerContext, userID string, s Settings) error {
	if s.Language != "" && !ValidLanguage(s.Language) {
		return derr.Fields([]derr.FieldError{{Field: "language", Code: "invalid", Message: "The mail language must be one of sv, en, nb, da."}})
	}
	if _, err := db.ExecContext(ctx, `
		INSERT INTO mail_settings (user_id, mails_off, language) VALUES ($1, $2, nullif($3, ''))
		ON CONFLICT (user_id) DO UPDATE SET mails_off = excluded.mails_off, language = excluded.language, updated_at = now()`,
		userID, s.MailsOff, s.Language); err != nil {
		return fmt.Errorf("notify: save settings: %w", err)
	}
	return nil
}

// MailLanguage is the language the person's mails are written in (languageSQL): what they
// chose on their settings page, else their UI language, else their country's.
func MailLanguage(ctx context.Context, db sqlx.QueryerContext, userID string) (string, error) {
	var lang string
	err := sqlx.GetContext(ctx, db, &lang, `SELECT `+languageSQL+` FROM users u
		JOIN organizations g ON g.id = u.org_id LEFT JOIN mail_settings ms ON ms.user_id = u.id WHERE u.id = $1`, userID)
	if err != nil {
		return "", fmt.Errorf("notify: mail language: %w", err)
	}
	return lang, nil
}

// languageSQL is the reader's mail language: the chosen one, else their UI language, else
// their country's.
const languageSQL = `coalesce(ms.language, nullif(u.language, ''), CASE g.country WHEN 'SE' THEN 'sv' WHEN 'NO' THEN 'nb' WHEN 'DK' THEN 'da' ELSE 'en' END)`

// DefaultLanguage is the mail language of a person who chose none: their UI language (as an
// administrator set it), else their country's.
func DefaultLanguage(uiLanguage, country string) string {
	if ValidLanguage(uiLanguage) {
		return uiLanguage
	}
	return CountryLanguage(country)
}

// CountryLanguage is the mail language of a country's people when they chose none.
func CountryLanguage(country string) string {
	switch country {
	case "SE":
		return LangSV
	case "NO":
		return LangNB
	case "DK":
		return LangDA
	}
	return LangEN
}

// Preferences reads and writes people's mail settings for the UI's settings page.
type Preferences struct{ db *sqlx.DB }

// NewPreferences returns the settings of the people in db.
func NewPreferences(db *sqlx.DB) *Preferences { return &Preferences{db: db} }

// Get returns the person's settings (see GetSettings).
func (p *Preferences) Get(ctx context.Context, userID string) (Settings, error) {
	return GetSettings(ctx, p.db, userID)
}

// Save stores the person's settings (see SaveSettings). Errors: Invalid (unknown language).
func (p *Preferences) Save(ctx context.Context, userID string, s Settings) error {
	return SaveSettings(ctx, p.db, userID, s)
}
