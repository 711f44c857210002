package frontend

// reorderMessages are the texts of favourites, saved delivery addresses and cost centres, and
// choosing them at checkout (SPEC §5: reorder in one tap).
var reorderMessages = map[string]msg{
	"nav.favourites":                      {sv: "Favoriter", en: "Favourites", nb: "Favoritter", da: "Favoritter"},
	"nav.saved_details":                   {sv: "Adresser och kostnadsställen", en: "Addresses and cost centres", nb: "Adresser og koststeder", da: "Adresser og omkostningssteder"},
	"fav.title":                           {sv: "Favoriter", en: "Favourites", nb: "Favoritter", da: "Favoritter"},
	"fav.heading":                         {sv: "Mina favoriter", en: "My favourites", nb: "Mine favoritter", da: "Mine favoritter"},
	"fav.intro":                           {sv: "Varor du brukar beställa. Markera fler med stjärnan i katalogen.", en: "Items you usually order. Mark more with the star in the catalogue.", nb: "Varer du pleier å bestille. Merk flere med stjernen i katalogen.", da: "Varer, du plejer at bestille. Markér flere med stjernen i kataloget."},
	"fav.label":                           {sv: "Favorit", en: "Favourite", nb: "Favoritt", da: "Favorit"},
	"fav.ended":                           {sv: "%d av dina favoriter går inte längre att beställa (varan har utgått eller avtalet har upphört).", en: "%d of your favourites can no longer be ordered (the item was withdrawn or the agreement ended).", nb: "%d av favorittene dine kan ikke lenger bestilles (varen er utgått eller avtalen er avsluttet).", da: "%d af dine favoritter kan ikke længere bestilles (varen er udgået, eller aftalen er ophørt)."},
	"fav.clear_ended":                     {sv: "Ta bort dem ur favoriterna", en: "Remove them from the favourites", nb: "Fjern dem fra favorittene", da: "Fjern dem fra favoritterne"},
	"fav.none":                            {sv: "Du har inga favoriter än.", en: "You have no favourites yet.", nb: "Du har ingen favoritter ennå.", da: "Du har ingen favoritter endnu."},
	"fav.none_left":                       {sv: "Inga favoriter på den här sidan går att beställa.", en: "No favourite on this page can be ordered.", nb: "Ingen favoritter på denne siden kan bestilles.", da: "Ingen favoritter på denne side kan bestilles."},
	"fav.to_catalog":                      {sv: "Till katalogen", en: "To the catalogue", nb: "Til katalogen", da: "Til kataloget"},
	"flash.favourites_cleared":            {sv: "Favoriterna som inte längre går att beställa är borttagna.", en: "The favourites that can no longer be ordered were removed.", nb: "Favorittene som ikke lenger kan bestilles, er fjernet.", da: "Favoritterne, der ikke længere kan bestilles, er fjernet."},
	"details.title":                       {sv: "Adresser och kostnadsställen", en: "Addresses and cost centres", nb: "Adresser og koststeder", da: "Adresser og omkostningssteder"},
	"details.heading":                     {sv: "Adresser och kostnadsställen för %s", en: "Addresses and cost centres of %s", nb: "Adresser og koststeder for %s", da: "Adresser og omkostningssteder for %s"},
	"details.intro":                       {sv: "Beställarna väljer dem i kassan i stället för att skriva dem. En beställning behåller texten den lades med, även om den sparade ändras eller tas bort.", en: "Orderers choose them at checkout instead of typing them. An order keeps the text it was placed with, even when the saved one is changed or removed.", nb: "Bestillerne velger dem i kassen i stedet for å skrive dem. En bestilling beholder teksten den ble lagt med, selv om den lagrede endres eller fjernes.", da: "Bestillerne vælger dem ved kassen i stedet for at skrive dem. En bestilling beholder den tekst, den blev afgivet med, også når den gemte ændres eller fjernes."},
	"details.delivery_address_list":       {sv: "Leveransadresser", en: "Delivery addresses", nb: "Leveringsadresser", da: "Leveringsadresser"},
	"details.cost_center_list":            {sv: "Kostnadsställen", en: "Cost centres", nb: "Koststeder", da: "Omkostningssteder"},
	"details.delivery_address_add":        {sv: "Ny leveransadress", en: "New delivery address", nb: "Ny leveringsadresse", da: "Ny leveringsadresse"},
	"details.cost_center_add":             {sv: "Nytt kostnadsställe", en: "New cost centre", nb: "Nytt koststed", da: "Nyt omkostningssted"},
	"details.delivery_address_value":      {sv: "Adress", en: "Address", nb: "Adresse", da: "Adresse"},
	"details.cost_center_value":           {sv: "Kostnadsställe (kod)", en: "Cost centre (code)", nb: "Koststed (kode)", da: "Omkostningssted (kode)"},
	"details.delivery_address_label_hint": {sv: "Ett kort namn, till exempel Hemtjänst Norr.", en: "A short name, for example Home care North.", nb: "Et kort navn, for eksempel Hjemmetjenesten Nord.", da: "Et kort navn, for eksempel Hjemmeplejen Nord."},
	"details.cost_center_label_hint":      {sv: "Vad koden står för, till exempel Hemtjänst Norr.", en: "What the code stands for, for example Home care North.", nb: "Hva koden står for, for eksempel Hjemmetjenesten Nord.", da: "Hvad koden står for, for eksempel Hjemmeplejen Nord."},
	"details.label":                       {sv: "Namn (frivilligt)", en: "Name (optional)", nb: "Navn (valgfritt)", da: "Navn (valgfrit)"},
	"details.edit_link":                   {sv: "Ändra", en: "Change", nb: "Endre", da: "Redigér"},
	"details.save":                        {sv: "Spara", en: "Save", nb: "Lagre", da: "Gem"},
	"details.remove":                      {sv: "Ta bort", en: "Remove", nb: "Fjern", da: "Fjern"},
	"details.none":                        {sv: "Inga sparade än.", en: "None saved yet.", nb: "Ingen lagret ennå.", da: "Ingen gemt endnu."},
	"flash.detail_saved":                  {sv: "Sparat. Beställarna kan välja det i kassan.", en: "Saved. Orderers can choose it at checkout.", nb: "Lagret. Bestillerne kan velge det i kassen.", da: "Gemt. Bestillerne kan vælge det ved kassen."},
	"flash.detail_removed":                {sv: "Borttaget. Beställningar som redan lagts behåller texten.", en: "Removed. Orders already placed keep the text.", nb: "Fjernet. Bestillinger som allerede er lagt, beholder teksten.", da: "Fjernet. Bestillinger, der allerede er afgivet, beholder teksten."},
	"checkout.saved_address":              {sv: "Leveransadress", en: "Delivery address", nb: "Leveringsadresse", da: "Leveringsadresse"},
	"checkout.other_address":              {sv: "Annan adress (skriv den nedan)", en: "Another address (type it below)", nb: "Annen adresse (skriv den nedenfor)", da: "En anden adresse (skriv den nedenfor)"},
	"checkout.address_other":              {sv: "Annan leveransadress", en: "Another delivery address", nb: "Annen leveringsadresse", da: "En anden leveringsadresse"},
	"checkout.address_other_hint":         {sv: "Används bara när du valt Annan adress ovan.", en: "Used only when you chose Another address above.", nb: "Brukes bare når du har valgt Annen adresse ovenfor.", da: "Bruges kun, når du har valgt En anden adresse ovenfor."},
	"checkout.saved_cost_center":          {sv: "Kostnadsställe", en: "Cost centre", nb: "Koststed", da: "Omkostningssted"},
	"checkout.other_cost_center":          {sv: "Annat kostnadsställe (skriv det nedan)", en: "Another cost centre (type it below)", nb: "Annet koststed (skriv det nedenfor)", da: "Et andet omkostningssted (skriv det nedenfor)"},
	"checkout.cost_center_other":          {sv: "Annat kostnadsställe", en: "Another cost centre", nb: "Annet koststed", da: "Et andet omkostningssted"},
	"approvals.split_suspected":           {sv: "Misstänkt uppdelning.", en: "Suspected splitting.", nb: "Mistenkt oppdeling.", da: "Mistænkt opdeling."},
	"approvals.split_detail":              {sv: "Beställningen är under attestgränsen (%s exkl. moms), men tillsammans med organisationens andra beställningar hos leverantören de senaste 7 dagarna når den gränsen.", en: "The order is below the approval threshold (%s excl. VAT), but with the organisation's other orders to the supplier in the last 7 days it reaches it.", nb: "Bestillingen er under attestasjonsgrensen (%s ekskl. mva.), men sammen med organisasjonens andre bestillinger hos leverandøren de siste 7 dagene når den grensen.", da: "Bestillingen er under godkendelsesgrænsen (%s ekskl. moms), men sammen med organisationens andre bestillinger hos leverandøren de seneste 7 dage når den grænsen."},
	"field.already_saved":                 {sv: "Den finns redan sparad.", en: "It is already saved.", nb: "Den er allerede lagret.", da: "Den er allerede gemt."},
	"field.too_many_saved":                {sv: "Högst 100 av varje slag kan sparas; ta bort något först.", en: "At most 100 of each kind can be saved; remove one first.", nb: "Høyst 100 av hver sort kan lagres; fjern noe først.", da: "Højst 100 af hver slags kan gemmes; fjern noget først."},
}

func init() {
	mergeMessages(reorderMessages)
	dynamicKeys = append(dynamicKeys, "details.delivery_address_list", "details.cost_center_list", "details.delivery_address_add",
		"details.cost_center_add", "details.delivery_address_value", "details.cost_center_value",
		"details.delivery_address_label_hint", "details.cost_center_label_hint")
}
