package frontend

// welfareMessages are the texts of welfare technology as a service (SPEC §7): subscription
// items, placements, charges and the installed base.
var welfareMessages = map[string]msg{
	"field.subscription_unit":         {sv: "En abonnemangsartikel har enheten MON (per månad).", en: "A subscription item has the unit MON (per month).", nb: "En abonnementsartikkel har enheten MON (per måned).", da: "En abonnementsvare har enheden MON (pr. måned)."},
	"field.subscription_only":         {sv: "Anges bara för abonnemangsartiklar.", en: "Only given for subscription items.", nb: "Oppgis bare for abonnementsartikler.", da: "Angives kun for abonnementsvarer."},
	"field.one_per_recipient":         {sv: "Antalet är 1: varje enhet är en egen rad med sin egen brukare.", en: "The quantity is 1: each device is a line of its own with its own recipient.", nb: "Antallet er 1: hver enhet er en egen linje med sin egen bruker.", da: "Antallet er 1: hver enhed er en linje for sig med sin egen borger."},
	"field.personal_data_not_allowed": {sv: "Får inte vara ett personnummer eller samordningsnummer. Använd er egen referens för brukaren.", en: "Must not be a personal identity number. Use your own reference for the recipient.", nb: "Kan ikke være et fødselsnummer eller D-nummer. Bruk deres egen referanse for brukeren.", da: "Må ikke være et CPR-nummer. Brug jeres egen reference for borgeren."},
	"field.month":                     {sv: "Måste vara en månad (ÅÅÅÅ-MM).", en: "Must be a month (YYYY-MM).", nb: "Må være en måned (ÅÅÅÅ-MM).", da: "Skal være en måned (ÅÅÅÅ-MM)."},
	"field.future_date":               {sv: "Får inte ligga framåt i tiden.", en: "May not be in the future.", nb: "Kan ikke ligge frem i tid.", da: "Må ikke ligge i fremtiden."},
	"field.start_date_in_past":        {sv: "Startdatumet får inte ligga bakåt i tiden.", en: "The start date may not be in the past.", nb: "Startdatoen kan ikke ligge tilbake i tid.", da: "Startdatoen må ikke ligge i fortiden."},
	"field.end_before_min_term":       {sv: "Slutdatumet ligger före avtalets minsta period.", en: "The end date is before the minimum term has run.", nb: "Sluttdatoen ligger før minsteperioden er over.", da: "Slutdatoen ligger før minimumsperioden er udløbet."},
	"field.end_after_agreement":       {sv: "Datumet ligger efter ramavtalets slut.", en: "The date is after the framework agreement ends.", nb: "Datoen ligger etter at rammeavtalen slutter.", da: "Datoen ligger efter rammeaftalens udløb."},
	"field.notice_too_short":          {sv: "Uppsägningstiden är för kort.", en: "The notice period is too short.", nb: "Oppsigelsestiden er for kort.", da: "Opsigelsesperioden er for kort."},
}

func init() { mergeMessages(welfareMessages) }
