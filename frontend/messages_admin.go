package frontend

// adminMessages are the texts of changing a user, password reset links and the duplicates an
// administrator can run into.
var adminMessages = map[string]msg{
	"admin.user.change":           {sv: "Ändra", en: "Change", nb: "Endre", da: "Redigér"},
	"admin.user.edit":             {sv: "Ändra användare", en: "Change user", nb: "Endre bruker", da: "Redigér bruger"},
	"admin.user.edit_of":          {sv: "Ändra %s", en: "Change %s", nb: "Endre %s", da: "Redigér %s"},
	"admin.user.language":         {sv: "Språk", en: "Language", nb: "Språk", da: "Sprog"},
	"admin.user.language_browser": {sv: "Webbläsarens språk", en: "The browser's language", nb: "Nettleserens språk", da: "Browserens sprog"},
	"admin.user.active_label":     {sv: "Aktiv (kan logga in)", en: "Active (can sign in)", nb: "Aktiv (kan logge inn)", da: "Aktiv (kan logge ind)"},
	"admin.user.roles_fit":        {sv: "Rollen passar inte organisationens typ (%s). Välj bland: %s.", en: "The role does not fit the organisation's kind (%s). Choose from: %s.", nb: "Rollen passer ikke til organisasjonens type (%s). Velg blant: %s.", da: "Rollen passer ikke til organisationens type (%s). Vælg blandt: %s."},
	"admin.user.reset":            {sv: "Nytt lösenord", en: "New password", nb: "Nytt passord", da: "Ny adgangskode"},
	"admin.user.reset_help":       {sv: "Skapa en engångslänk som användaren öppnar för att välja ett nytt lösenord. Länken gäller i 24 timmar och kan användas en gång; en ny länk ersätter den förra.", en: "Make a one-time link the user opens to choose a new password. The link works for 24 hours and once; a new link replaces the previous one.", nb: "Lag en engangslenke som brukeren åpner for å velge et nytt passord. Lenken gjelder i 24 timer og kan brukes én gang; en ny lenke erstatter den forrige.", da: "Lav et engangslink, som brugeren åbner for at vælge en ny adgangskode. Linket gælder i 24 timer og kan bruges én gang; et nyt link erstatter det forrige."},
	"admin.user.reset_submit":     {sv: "Skapa länk för nytt lösenord", en: "Make a new-password link", nb: "Lag lenke for nytt passord", da: "Lav link til ny adgangskode"},
	"admin.user.reset_again":      {sv: "Skapa en ny länk", en: "Make another link", nb: "Lag en ny lenke", da: "Lav et nyt link"},
	"admin.user.reset_made":       {sv: "Länken är skapad. Ge den till användaren på ett säkert sätt – den visas bara nu.", en: "The link was made. Pass it to the user safely – it is shown only now.", nb: "Lenken er laget. Gi den til brukeren på en sikker måte – den vises bare nå.", da: "Linket er lavet. Giv det til brugeren på en sikker måde – det vises kun nu."},
	"admin.user.reset_mailed":     {sv: "Länken är skapad och skickad till %s. Den visas också här, bara nu.", en: "The link was made and sent to %s. It is also shown here, only now.", nb: "Lenken er laget og sendt til %s. Den vises også her, bare nå.", da: "Linket er lavet og sendt til %s. Det vises også her, kun nu."},
	"admin.user.reset_link":       {sv: "Engångslänk", en: "One-time link", nb: "Engangslenke", da: "Engangslink"},
	"admin.user.reset_expires":    {sv: "Gäller till %s.", en: "Works until %s.", nb: "Gjelder til %s.", da: "Gælder til %s."},
	"flash.user_updated":          {sv: "Användaren är ändrad.", en: "The user was changed.", nb: "Brukeren er endret.", da: "Brugeren er ændret."},
	"flash.password_reset":        {sv: "Ditt nya lösenord är sparat. Logga in med det.", en: "Your new password is saved. Sign in with it.", nb: "Det nye passordet ditt er lagret. Logg inn med det.", da: "Din nye adgangskode er gemt. Log ind med den."},
	"reset.title":                 {sv: "Nytt lösenord", en: "New password", nb: "Nytt passord", da: "Ny adgangskode"},
	"reset.heading":               {sv: "Välj ett nytt lösenord", en: "Choose a new password", nb: "Velg et nytt passord", da: "Vælg en ny adgangskode"},
	"reset.intro":                 {sv: "Hej %s! Välj ett nytt lösenord för Avrop. Dina andra inloggningar avslutas.", en: "Hello %s! Choose a new password for Avrop. Your other sessions end.", nb: "Hei %s! Velg et nytt passord for Avrop. De andre innloggingene dine avsluttes.", da: "Hej %s! Vælg en ny adgangskode til Avrop. Dine andre logins afsluttes."},
	"reset.password":              {sv: "Nytt lösenord", en: "New password", nb: "Nytt passord", da: "Ny adgangskode"},
	"reset.password_again":        {sv: "Samma lösenord igen", en: "The same password again", nb: "Samme passord igjen", da: "Samme adgangskode igen"},
	"reset.submit":                {sv: "Spara lösenordet", en: "Save the password", nb: "Lagre passordet", da: "Gem adgangskoden"},
	"reset.mismatch":              {sv: "Lösenorden är inte lika.", en: "The passwords differ.", nb: "Passordene er ikke like.", da: "Adgangskoderne er ikke ens."},
	"reset.invalid":               {sv: "Länken fungerar inte: den är redan använd, har gått ut eller har ersatts av en nyare. Be din administratör om en ny.", en: "The link does not work: it was used, has expired or was replaced by a newer one. Ask your administrator for a new one.", nb: "Lenken virker ikke: den er allerede brukt, har gått ut eller er erstattet av en nyere. Be administratoren din om en ny.", da: "Linket virker ikke: det er allerede brugt, er udløbet eller er erstattet af et nyere. Bed din administrator om et nyt."},
	"reset.to_login":              {sv: "Till inloggningen", en: "To sign-in", nb: "Til innloggingen", da: "Til login"},
	"problem.reset_link_invalid":  {sv: "Länken för nytt lösenord fungerar inte längre.", en: "The new-password link no longer works.", nb: "Lenken for nytt passord virker ikke lenger.", da: "Linket til ny adgangskode virker ikke længere."},
	"problem.cannot_demote_self":  {sv: "Du kan inte inaktivera dig själv eller ta bort din egen administratörsroll.", en: "You cannot deactivate yourself or remove your own admin role.", nb: "Du kan ikke deaktivere deg selv eller fjerne din egen administratorrolle.", da: "Du kan ikke deaktivere dig selv eller fjerne din egen administratorrolle."},
	"field.org_number_taken":      {sv: "Det finns redan en organisation med det här organisationsnumret i landet.", en: "An organisation with this organisation number already exists in this country.", nb: "Det finnes allerede en organisasjon med dette organisasjonsnummeret i landet.", da: "Der findes allerede en organisation med dette CVR-nummer i landet."},
	"field.email_taken":           {sv: "E-postadressen används redan av en annan användare.", en: "Another user already has this email address.", nb: "E-postadressen brukes allerede av en annen bruker.", da: "E-mailadressen bruges allerede af en anden bruger."},
}

func init() { mergeMessages(adminMessages) }
