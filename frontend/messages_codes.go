package frontend

// codesMessages are the texts of the standards' codes (SPEC §8): the field errors of
// organisation numbers and VAT rates, and the eco-labels of the fixed list that
// messages.go does not name.
var codesMessages = map[string]msg{
	"field.org_number":        {sv: "Organisationsnumret stämmer inte: kontrollera siffrorna (svenska nummer har 10 siffror med kontrollsiffra, norska 9, danska CVR 8).", en: "The organisation number does not check out: verify the digits (Swedish numbers have 10 digits with a check digit, Norwegian 9, Danish CVR 8).", nb: "Organisasjonsnummeret stemmer ikke: kontroller sifrene (svenske numre har 10 sifre med kontrollsiffer, norske 9, danske CVR 8).", da: "Organisationsnummeret stemmer ikke: kontroller cifrene (svenske numre har 10 cifre med kontrolciffer, norske 9, danske CVR 8)."},
	"field.vat_rate":          {sv: "Momssatsen finns inte i avtalets land (Sverige: 25, 12, 6 eller 0 %).", en: "The VAT rate is not one of the agreement's country (Sweden: 25, 12, 6 or 0 %).", nb: "Mva-satsen finnes ikke i avtalens land (Norge: 25, 15, 12 eller 0 %).", da: "Momssatsen findes ikke i aftalens land (Danmark: 25 eller 0 %)."},
	"field.past":              {sv: "Datumet får inte ligga bakåt i tiden.", en: "The date must not be in the past.", nb: "Datoen kan ikke være tilbake i tid.", da: "Datoen må ikke ligge tilbage i tiden."},
	"field.not_allowed":       {sv: "Anges inte när beställningen avböjs.", en: "Not given when declining the order.", nb: "Oppgis ikke når bestillingen avslås.", da: "Angives ikke, når bestillingen afvises."},
	"field.line_no":           {sv: "Ange ett radnummer i beställningen, högst en gång per rad.", en: "Give a line number of the order, each line at most once.", nb: "Oppgi et linjenummer i bestillingen, høyst én gang per linje.", da: "Angiv et linjenummer i bestillingen, højst én gang pr. linje."},
	"field.lines_not_allowed": {sv: "Rader anges bara när beställningen ändras.", en: "Lines are given only when changing the order.", nb: "Linjer oppgis bare når bestillingen endres.", da: "Linjer angives kun, når bestillingen ændres."},

	"eco.tco_certified":         {sv: "TCO Certified", en: "TCO Certified", nb: "TCO Certified", da: "TCO Certified"},
	"eco.pefc":                  {sv: "PEFC", en: "PEFC", nb: "PEFC", da: "PEFC"},
	"eco.eu_organic":            {sv: "EU-ekologiskt", en: "EU organic", nb: "EU-økologisk", da: "EU-økologisk"},
	"eco.fairtrade":             {sv: "Fairtrade", en: "Fairtrade", nb: "Fairtrade", da: "Fairtrade"},
	"eco.asthma_allergy_nordic": {sv: "Astma- och Allergiförbundet", en: "Asthma Allergy Nordic", nb: "Astma Allergi Nordic", da: "Astma Allergi Nordic"},
}

func init() { mergeMessages(codesMessages) }
