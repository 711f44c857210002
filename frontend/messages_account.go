package frontend

// accountMessages are the texts of the settings page (/account): a person's own mail settings
// (SPEC §8 "People are told").
var accountMessages = map[string]msg{
	"account.title":              {sv: "Inställningar", en: "Settings", nb: "Innstillinger", da: "Indstillinger"},
	"account.mail":               {sv: "E-post från Avrop", en: "Mail from Avrop", nb: "E-post fra Avrop", da: "E-mail fra Avrop"},
	"account.mail_to":            {sv: "E-post skickas till %s.", en: "Mail goes to %s.", nb: "E-post sendes til %s.", da: "E-mails sendes til %s."},
	"account.mail_what":          {sv: "Avrop mejlar dig när något väntar på dig eller händer med din beställning:", en: "Avrop mails you when something waits for you or happens to your order:", nb: "Avrop sender deg e-post når noe venter på deg eller skjer med bestillingen din:", da: "Avrop sender dig en e-mail, når noget venter på dig eller sker med din bestilling:"},
	"account.mail_role.orderer":  {sv: "när din beställning avslås, avböjs, ändras av leverantören eller skickas", en: "when your order is rejected, declined, changed by the supplier or shipped", nb: "når bestillingen din avslås, avvises, endres av leverandøren eller sendes", da: "når din bestilling afvises, afslås, ændres af leverandøren eller afsendes"},
	"account.mail_role.approver": {sv: "när en beställning väntar på din attest", en: "when an order awaits your approval", nb: "når en bestilling venter på din attestasjon", da: "når en bestilling afventer din godkendelse"},
	"account.mail_role.supplier": {sv: "när en beställning kommer till er", en: "when an order reaches you", nb: "når en bestilling kommer til dere", da: "når en bestilling kommer til jer"},
	"account.mail_role.manager":  {sv: "när en prisändring eller sortimentsändring väntar på ditt beslut", en: "when a price change or catalogue change awaits your decision", nb: "når en prisendring eller sortimentsendring venter på din beslutning", da: "når en prisændring eller sortimentsændring afventer din beslutning"},
	"account.mails_on":           {sv: "Skicka e-post till mig", en: "Send me mail", nb: "Send meg e-post", da: "Send mig e-mails"},
	"account.mail_language":      {sv: "Språk i e-post", en: "Mail language", nb: "Språk i e-post", da: "Sprog i e-mails"},
	"account.language_default":   {sv: "Standard (%s)", en: "Default (%s)", nb: "Standard (%s)", da: "Standard (%s)"},
	"account.language_hint":      {sv: "Standard är ditt språk i Avrop, annars språket i organisationens land.", en: "The default is your language in Avrop, else the language of the organisation's country.", nb: "Standard er språket ditt i Avrop, ellers språket i organisasjonens land.", da: "Standard er dit sprog i Avrop, ellers sproget i organisationens land."},
	"account.bad_language":       {sv: "Välj ett av språken i listan.", en: "Choose one of the languages in the list.", nb: "Velg et av språkene i listen.", da: "Vælg et af sprogene på listen."},
	"flash.account_saved":        {sv: "Inställningarna är sparade.", en: "Your settings were saved.", nb: "Innstillingene er lagret.", da: "Dine indstillinger er gemt."},
}

func init() { mergeMessages(accountMessages) }
