package frontend

// imageMessages are the texts of product pictures (SPEC §5): the intake's field codes, the
// import report's picture lines and the catalogue's list views.
var imageMessages = map[string]msg{
	"field.image_type":        {sv: "Bilden måste vara PNG, JPEG eller WebP.", en: "The picture must be PNG, JPEG or WebP.", nb: "Bildet må være PNG, JPEG eller WebP.", da: "Billedet skal være PNG, JPEG eller WebP."},
	"field.image_invalid":     {sv: "Bilden kunde inte läsas; filen är trasig.", en: "The picture could not be read; the file is broken.", nb: "Bildet kunne ikke leses; filen er skadet.", da: "Billedet kunne ikke læses; filen er beskadiget."},
	"field.image_dimensions":  {sv: "Bilden har för många bildpunkter (högst 12 000 per sida och 40 megapixel).", en: "The picture has too many pixels (at most 12,000 a side and 40 megapixels).", nb: "Bildet har for mange piksler (høyst 12 000 per side og 40 megapiksler).", da: "Billedet har for mange pixels (højst 12.000 pr. side og 40 megapixel)."},
	"field.image_too_large":   {sv: "Bilden är större än 5 MB.", en: "The picture is larger than 5 MB.", nb: "Bildet er større enn 5 MB.", da: "Billedet er større end 5 MB."},
	"problem.image_too_large": {sv: "Bilden är större än 5 MB.", en: "The picture is larger than 5 MB.", nb: "Bildet er større enn 5 MB.", da: "Billedet er større end 5 MB."},
	"field.image_url":         {sv: "Måste vara en fullständig http- eller https-adress.", en: "Must be a full http or https address.", nb: "Må være en fullstendig http- eller https-adresse.", da: "Skal være en fuldstændig http- eller https-adresse."},
	"field.image_url_refused": {sv: "Adressen är inte offentlig; bilder hämtas bara från offentliga adresser.", en: "The address is not public; pictures are fetched from public addresses only.", nb: "Adressen er ikke offentlig; bilder hentes bare fra offentlige adresser.", da: "Adressen er ikke offentlig; billeder hentes kun fra offentlige adresser."},
	"field.image_fetch":       {sv: "Bilden kunde inte hämtas (inget svar i tid, eller fel från servern).", en: "The picture could not be fetched (no answer in time, or an error from the server).", nb: "Bildet kunne ikke hentes (ikke svar i tide, eller feil fra serveren).", da: "Billedet kunne ikke hentes (intet svar i tide eller en fejl fra serveren)."},
	"field.image_later":       {sv: "Bilden hanns inte med den här gången; läs in listan igen för resten.", en: "The picture was not taken this time; upload the list again for the rest.", nb: "Bildet ble ikke tatt med denne gangen; les inn listen på nytt for resten.", da: "Billedet blev ikke taget med denne gang; indlæs listen igen for resten."},

	"import.image_hint":       {sv: "En kolumn image_url (valfri) anger adressen till varans bild (PNG, JPEG eller WebP, högst 5 MB). Avrop hämtar och sparar bilden; en bild som inte går att hämta redovisas men stoppar inte inläsningen.", en: "An image_url column (optional) gives the address of the item's picture (PNG, JPEG or WebP, at most 5 MB). Avrop fetches and keeps the picture; one that cannot be fetched is reported but does not stop the import.", nb: "En kolonne image_url (valgfri) oppgir adressen til varens bilde (PNG, JPEG eller WebP, høyst 5 MB). Avrop henter og lagrer bildet; et bilde som ikke kan hentes, rapporteres, men stopper ikke innlesingen.", da: "En kolonne image_url (valgfri) angiver adressen på varens billede (PNG, JPEG eller WebP, højst 5 MB). Avrop henter og gemmer billedet; et billede, der ikke kan hentes, rapporteres, men stopper ikke indlæsningen."},
	"import.images":           {sv: "Bilder", en: "Pictures", nb: "Bilder", da: "Billeder"},
	"import.images_stored":    {sv: "Nya eller ändrade bilder", en: "New or changed pictures", nb: "Nye eller endrede bilder", da: "Nye eller ændrede billeder"},
	"import.images_unchanged": {sv: "Oförändrade bilder", en: "Unchanged pictures", nb: "Uendrede bilder", da: "Uændrede billeder"},
	"import.images_failed":    {sv: "Bilder som inte kunde tas in (varorna är inlästa ändå)", en: "Pictures that could not be taken (the items were imported all the same)", nb: "Bilder som ikke kunne tas inn (varene er lest inn likevel)", da: "Billeder, der ikke kunne tages ind (varerne er indlæst alligevel)"},

	"catalog.view":             {sv: "Visning", en: "View", nb: "Visning", da: "Visning"},
	"catalog.view_detailed":    {sv: "Detaljerad", en: "Detailed", nb: "Detaljert", da: "Detaljeret"},
	"catalog.view_compact":     {sv: "Kompakt", en: "Compact", nb: "Kompakt", da: "Kompakt"},
	"item.title":               {sv: "Vara", en: "Item", nb: "Vare", da: "Vare"},
	"item.back":                {sv: "Tillbaka till katalogen", en: "Back to the catalogue", nb: "Tilbake til katalogen", da: "Tilbage til kataloget"},
	"item.no_picture":          {sv: "Leverantören har inte skickat någon bild.", en: "The supplier has sent no picture.", nb: "Leverandøren har ikke sendt noe bilde.", da: "Leverandøren har ikke sendt noget billede."},
	"supplier.picture":         {sv: "Bild (PNG, JPEG eller WebP, högst 5 MB)", en: "Picture (PNG, JPEG or WebP, at most 5 MB)", nb: "Bilde (PNG, JPEG eller WebP, høyst 5 MB)", da: "Billede (PNG, JPEG eller WebP, højst 5 MB)"},
	"supplier.replace_picture": {sv: "Byt bild (PNG, JPEG eller WebP, högst 5 MB)", en: "Replace the picture (PNG, JPEG or WebP, at most 5 MB)", nb: "Bytt bilde (PNG, JPEG eller WebP, høyst 5 MB)", da: "Skift billede (PNG, JPEG eller WebP, højst 5 MB)"},
	"supplier.upload_picture":  {sv: "Ladda upp bild", en: "Upload picture", nb: "Last opp bilde", da: "Upload billede"},
	"supplier.remove_picture":  {sv: "Ta bort bilden", en: "Remove the picture", nb: "Fjern bildet", da: "Fjern billedet"},
	"supplier.picture_of":      {sv: "Bild av %s", en: "Picture of %s", nb: "Bilde av %s", da: "Billede af %s"},
	"supplier.no_picture":      {sv: "Ingen bild", en: "No picture", nb: "Intet bilde", da: "Intet billede"},
	"supplier.picture_missing": {sv: "Välj en bildfil.", en: "Choose a picture file.", nb: "Velg en bildefil.", da: "Vælg en billedfil."},
	"flash.image_saved":        {sv: "Bilden är sparad och visas i katalogen.", en: "The picture is saved and shown in the catalogue.", nb: "Bildet er lagret og vises i katalogen.", da: "Billedet er gemt og vises i kataloget."},
	"flash.image_removed":      {sv: "Bilden är borttagen.", en: "The picture is removed.", nb: "Bildet er fjernet.", da: "Billedet er fjernet."},
	"item.unit":                {sv: "Förpackning", en: "Pack", nb: "Pakning", da: "Pakning"},
}

func init() { mergeMessages(imageMessages) }
