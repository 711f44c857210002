package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
)

// The demo agreements' references.
const (
	dispenserAgreementRef = "RA-2023-014"
	suppliesAgreementRef  = "RA-2024-031"
)

// seedCatalog adds the Värmland medication-dispenser agreement (ranking: Evondos first, Medido
// second; Karlstad and the 15 other Värmland municipalities take part) and a care-supplies
// agreement (Abena and OneMed; every demo buyer including Uddevalla) with several hundred
// items imported through the price-list import, as a supplier would. The lead calls it on an
// empty database only.
func seedCatalog(ctx context.Context, cat *catalog.Service, w *demoWorld) error {
	if len(w.Buyers) < 16 || len(w.Suppliers) < 4 || len(w.SupplierCallers) < 4 {
		return fmt.Errorf("seed catalogue: the demo world lacks buyers or suppliers")
	}
	i64 := func(v int64) *int64 { return &v }
	twelve := 12

	varmland := []catalog.ParticipantInput{{OrgID: w.Karlstad.ID, CeilingMinor: i64(1_200_000_000)}}
	// Karlstad, 14 other Värmland municipalities and Uddevalla: 16 participants.
	for _, b := range append(w.Buyers[:14:14], w.Buyers[len(w.Buyers)-1]) {
		varmland = append(varmland, catalog.ParticipantInput{OrgID: b.ID})
	}
	disp, err := cat.CreateAgreement(ctx, w.Manager, catalog.AgreementInput{
		Reference: dispenserAgreementRef,
		Title:     "Läkemedelsautomater för hemtjänst och hemsjukvård i Värmland",
		Description: "Gemensam upphandling av digitala läkemedelsautomater med larm- och uppföljningstjänst för " +
			"16 värmländska kommuner. Karlstads kommun är upphandlande myndighet. Avrop sker enligt rangordning: " +
			"leverantör med rang 1 tillfrågas först.",
		CPVCode: "33190000", Currency: "SEK", ValidFrom: "2023-10-01", ValidTo: "2027-09-30",
		CeilingMinor: i64(5_000_000_000), CallOffMethod: catalog.MethodRanking, MinOrderMinor: 50_000,
		MaxPriceIncreaseBP: 300, PriceAdjustmentIntervalMonths: &twelve, LeadTimeDays: 10,
		Participants: varmland,
		Suppliers:    []catalog.SupplierInput{{OrgID: w.Suppliers[0].ID, Rank: 1}, {OrgID: w.Suppliers[1].ID, Rank: 2}},
	})
	if err != nil {
		return fmt.Errorf("dispenser agreement: %w", err)
	}
	if err := importCSV(ctx, cat, w, 0, disp.ID, evondosItems); err != nil {
		return err
	}
	if err := importCSV(ctx, cat, w, 1, disp.ID, medidoItems); err != nil {
		return err
	}

	everyone := []catalog.ParticipantInput{{OrgID: w.Karlstad.ID}}
	for _, b := range w.Buyers {
		everyone = append(everyone, catalog.ParticipantInput{OrgID: b.ID})
	}
	sup, err := cat.CreateAgreement(ctx, w.Manager, catalog.AgreementInput{
		Reference: suppliesAgreementRef,
		Title:     "Förbrukningsmaterial för vård och omsorg",
		Description: "Handskar, inkontinensprodukter, sårvård, handhygien och skyddsutrustning för kommunernas " +
			"hemtjänst, särskilda boenden och hemsjukvård. Direktavrop på fasta villkor från valfri antagen leverantör.",
		CPVCode: "33140000", Currency: "SEK", ValidFrom: "2024-04-01", ValidTo: "2028-03-31",
		CeilingMinor: i64(12_000_000_000), CallOffMethod: catalog.MethodDirect, MinOrderMinor: 30_000,
		MaxPriceIncreaseBP: 500, PriceAdjustmentIntervalMonths: &twelve, LeadTimeDays: 3,
		Participants: everyone,
		Suppliers:    []catalog.SupplierInput{{OrgID: w.Suppliers[2].ID, Rank: 1}, {OrgID: w.Suppliers[3].ID, Rank: 2}},
	})
	if err != nil {
		return fmt.Errorf("care-supplies agreement: %w", err)
	}
	if err := importCSV(ctx, cat, w, 2, sup.ID, careItems("ABN", abenaBrands, 0)); err != nil {
		return err
	}
	if err := importCSV(ctx, cat, w, 3, sup.ID, careItems("OM", onemedBrands, 1)); err != nil {
		return err
	}
	if err := acceptCatalogue(ctx, cat, w.Manager); err != nil {
		return err
	}
	if err := seedPictures(ctx, cat, w, sup.ID); err != nil {
		return err
	}

	// A little price history: a scheduled decrease and a pending increase for the manager.
	items, _, err := cat.ListAgreementItems(ctx, w.SupplierCallers[2], sup.ID, "", auth.Page{Page: 1, PageSize: 3})
	if err != nil {
		return err
	}
	if len(items) >= 2 && items[0].PriceMinor != nil && items[1].PriceMinor != nil {
		next := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
		lower := *items[0].PriceMinor * 95 / 100
		if _, err := cat.SetPrice(ctx, w.SupplierCallers[2], items[0].ID, catalog.PriceRequest{PriceMinor: &lower,
			EffectiveFrom: next, Reason: "Sänkt råvarupris"}); err != nil {
			return fmt.Errorf("seed price change: %w", err)
		}
		higher := *items[1].PriceMinor * 112 / 100
		if _, err := cat.SetPrice(ctx, w.SupplierCallers[2], items[1].ID, catalog.PriceRequest{PriceMinor: &higher,
			EffectiveFrom: next, Reason: "Ökade fraktkostnader och råvarupriser"}); err != nil {
			return fmt.Errorf("seed price change: %w", err)
		}
	}
	return nil
}

// seedSyntheticItems adds n synthetic items to the care-supplies agreement (Abena and
// OneMed) in bulk, for benchmarks.
func seedSyntheticItems(ctx context.Context, db *sqlx.DB, cat *catalog.Service, w *demoWorld, n int) error {
	var id string
	if err := db.GetContext(ctx, &id, `SELECT id FROM agreements WHERE reference = $1`, suppliesAgreementRef); err != nil {
		return fmt.Errorf("the care-supplies agreement %s is not there (seed the demo first): %w", suppliesAgreementRef, err)
	}
	if len(w.Suppliers) < 4 {
		return fmt.Errorf("the demo world lacks suppliers")
	}
	return catalog.InsertSyntheticItems(ctx, db, id, []string{w.Suppliers[2].ID, w.Suppliers[3].ID}, n)
}

const csvHeader = "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n"

// importCSV imports rows (without header) as supplier number i of the demo world.
func importCSV(ctx context.Context, cat *catalog.Service, w *demoWorld, i int, agreementID string, rows []string) error {
	rep, err := cat.ImportPriceList(ctx, w.SupplierCallers[i], agreementID, strings.NewReader(csvHeader+strings.Join(rows, "\n")+"\n"))
	if err != nil {
		return fmt.Errorf("seed price list of %s: %w", w.Suppliers[i].Name, err)
	}
	if rep.Created != len(rows) {
		return fmt.Errorf("seed price list of %s: created %d of %d", w.Suppliers[i].Name, rep.Created, len(rows))
	}
	return nil
}

var evondosItems = []string{
	`EVO-E300-M,"Läkemedelsautomat Evondos E300, hyra per månad","Automatisk läkemedelsautomat som påminner brukaren och delar ut dospåsar vid rätt tid. Larmar hemtjänsten vid missad dos. Inklusive Evondos Telecare-system, service och support.",MON,1,33190000,,eu_ecolabel,2500,69500,`,
	`EVO-E300-INST,Installation och driftsättning Evondos E300,"Installation i brukarens hem, anpassning av doseringsschema och genomgång med brukare och personal.",EA,1,33190000,,,2500,95000,`,
	`EVO-UTB-1,Utbildning av personal (halvdag),"Utbildning i Evondos Telecare för hemtjänstens och hemsjukvårdens personal, upp till 12 deltagare.",EA,1,80500000,,,2500,650000,`,
	`EVO-E300-FLYTT,Flytt av läkemedelsautomat,Nedmontering och ominstallation när brukaren flyttar inom kommunen.,EA,1,33190000,,,2500,75000,`,
	`EVO-LARM-SMS,"Larmtjänst via sms, per automat och månad",Sms-avisering till ansvarig sjuksköterska vid missad eller sen dos.,MON,1,33190000,,,2500,4900,`,
	`EVO-RESERV,Reservautomat för snabbt utbyte,Reservautomat på plats i kommunen för utbyte inom ett dygn vid fel.,MON,1,33190000,,eu_ecolabel,2500,39000,`,
}

var medidoItems = []string{
	`MED-DISP-M,"Medido läkemedelsdispenser, hyra per månad","Läkemedelsdispenser med påminnelse och uppkoppling till Medido-portalen. Larmar vid missad dos. Service ingår.",MON,1,33190000,,,2500,64500,`,
	`MED-INST,Installation Medido,"Installation, inställning av doseringsschema och instruktion till brukaren.",EA,1,33190000,,,2500,85000,`,
	`MED-UTB,Utbildning Medido-portalen,Utbildning för sjuksköterskor och hemtjänstpersonal i portalen och larmhanteringen.,EA,1,80500000,,,2500,550000,`,
	`MED-GO,"Medido Go, bärbar påminnare",Bärbar påminnare för brukare som är mycket ute i samhället.,MON,1,33190000,,,2500,19500,`,
}

var (
	abenaBrands  = [2]string{"Abri", "Abena"}
	onemedBrands = [2]string{"Evercare", "Selefa"}
)

// careItems makes the realistic care-supplies catalogue of one supplier: gloves, incontinence
// products, wound care, hand hygiene and protective gear, with sizes and eco-labels.
func careItems(prefix string, brand [2]string, variant int) []string {
	var rows []string
	n := 0
	add := func(name, desc, unit string, pack int, cpv string, eco string, price int64) {
		n++
		// Each supplier prices a little differently.
		price = price * int64(100+variant*4-(n%7)) / 100
		gtin := gtin13(fmt.Sprintf("57%d%09d", 1+variant, n))
		rows = append(rows, fmt.Sprintf("%s-%04d,%s,%s,%s,%d,%s,%s,%s,2500,%d,",
			prefix, n, csvField(name), csvField(desc), unit, pack, cpv, gtin, eco, price))
	}
	sizes := []string{"XS", "S", "M", "L", "XL"}
	for _, g := range []struct {
		name, desc, eco string
		pack            int
		price           int64
	}{
		{"Undersökningshandske nitril puderfri blå", "Undersökningshandskar i nitril, puderfria och latexfria. Texturerade fingertoppar. EN 455, EN ISO 374.", "svanen", 200, 9900},
		{"Undersökningshandske nitril puderfri svart", "Nitrilhandskar med god passform för hemtjänst och vård. Latexfria.", "", 100, 6900},
		{"Undersökningshandske nitril lång manschett", "Extra lång manschett (300 mm) för bättre skydd vid rengöring och hygienarbete.", "svanen", 100, 11900},
		{"Undersökningshandske nitril extra stark", "Tjockare nitril (0,12 mm) för uppgifter med högre krav på hållbarhet.", "", 100, 10900},
		{"Undersökningshandske vinyl puderfri", "Handskar i vinyl för kortvariga arbetsmoment utan kemikalier.", "", 100, 4900},
		{"Undersökningshandske nitril miljöval", "Nitrilhandskar som bryts ned snabbare på deponi, tillverkade med förnybar energi.", "svanen|eu_ecolabel", 100, 8900},
	} {
		for _, s := range sizes {
			add(g.name+" "+s, g.desc, "XBX", g.pack, "18424300", g.eco, g.price)
		}
	}
	absorb := []struct {
		level string
		price int64
	}{{"Mini", 8900}, {"Normal", 11900}, {"Plus", 14900}, {"Super", 17900}, {"Extra", 19900}, {"Premium", 23900}}
	for _, kind := range []struct {
		name, desc string
		pack       int
		sized      bool
	}{
		{"Inkontinensskydd " + brand[0] + "-San", "Formanpassat inkontinensskydd för användning med fixeringsbyxa. Andas, med våthetsindikator.", 28, false},
		{"Inkontinensskydd " + brand[0] + "-Flex", "Byxskydd med elastisk midja som dras upp som vanliga underkläder.", 14, true},
		{"Inkontinensskydd " + brand[0] + "-Form", "Allt-i-ett-skydd med tejpflikar för sängliggande brukare.", 14, true},
		{"Inkontinensskydd " + brand[0] + "-Let", "Tunt skydd för lätt urinläckage, diskret och bekvämt.", 28, false},
	} {
		for _, a := range absorb {
			if kind.sized {
				for _, s := range []string{"S", "M", "L", "XL"} {
					add(kind.name+" "+a.level+" "+s, kind.desc, "XPK", kind.pack, "33751000", "svanen", a.price+1500)
				}
			} else {
				add(kind.name+" "+a.level, kind.desc, "XPK", kind.pack, "33751000", "svanen", a.price)
			}
		}
	}
	for _, s := range []string{"S", "M", "L", "XL"} {
		add("Fixeringsbyxa "+brand[1]+" "+s, "Tvättbar fixeringsbyxa som håller inkontinensskyddet på plats.", "XPK", 5, "33751000", "", 8900)
	}
	for _, u := range []string{"40x60 cm", "60x60 cm", "60x90 cm"} {
		add("Underlägg engångs "+u, "Absorberande engångsunderlägg för säng och stol.", "XPK", 30, "33751000", "svanen", 7900)
	}
	for _, d := range []struct {
		name, desc, eco string
		sizes           []string
		price           int64
	}{
		{"Skumförband med silikon", "Självhäftande skumförband med mjuk silikonhäfta för sår med måttlig till riklig vätskning.", "", []string{"5x5 cm", "7,5x7,5 cm", "10x10 cm", "12,5x12,5 cm", "15x15 cm", "10x20 cm", "15x20 cm"}, 18900},
		{"Skumförband sacrum", "Förband anpassat för korsbenet, förebygger och behandlar trycksår.", "", []string{"16x20 cm", "22x25 cm"}, 29900},
		{"Kompress steril gasväv", "Sterila kompresser i bomullsgasväv, 8-lagers.", "bra_miljoval", []string{"5x5 cm", "7,5x7,5 cm", "10x10 cm"}, 6900},
		{"Kompress ovävd osteril", "Ovävda kompresser för rengöring och avtorkning.", "", []string{"5x5 cm", "10x10 cm"}, 3900},
		{"Plåster textil", "Hudvänligt textilplåster som andas.", "", []string{"2x6 cm", "6 cm x 5 m"}, 4500},
		{"Fixeringstejp", "Hypoallergen fixeringstejp av non-woven.", "", []string{"5 cm x 10 m", "10 cm x 10 m", "15 cm x 10 m"}, 5900},
		{"Transparent filmförband", "Vattentätt filmförband för kanyl- och sårskydd.", "", []string{"6x7 cm", "10x12 cm", "15x20 cm"}, 9900},
		{"Elastisk binda", "Elastisk kompressionsbinda, tvättbar.", "", []string{"6 cm", "8 cm", "10 cm"}, 3500},
	} {
		for _, s := range d.sizes {
			add(d.name+" "+s, d.desc, "XBX", 10, "33141110", d.eco, d.price)
		}
	}
	add("Sårtvätt natriumklorid 9 mg/ml 250 ml", "Steril koksaltlösning för sårrengöring.", "EA", 1, "33141110", "", 2900)
	add("Sårtvätt natriumklorid 9 mg/ml 1000 ml", "Steril koksaltlösning för sårrengöring.", "EA", 1, "33141110", "", 4900)
	for _, h := range []struct {
		name, desc, eco string
		sizes           []string
		price           int64
	}{
		{"Handdesinfektion gel 85 %", "Alkoholbaserad handdesinfektion (etanol 85 %) med återfettande tillsats. Effektiv mot bakterier och virus.", "svanen", []string{"150 ml", "500 ml pump", "600 ml refill", "1000 ml refill"}, 4500},
		{"Handdesinfektion flytande 80 %", "Flytande handsprit för dispenser, snabbtorkande.", "svanen|eu_ecolabel", []string{"500 ml", "1000 ml refill"}, 3900},
		{"Handsprit skum 70 %", "Skummande handsprit, doftfri.", "", []string{"400 ml", "1000 ml refill"}, 5900},
		{"Tvål flytande oparfymerad", "Mild flytande tvål utan parfym för frekvent handtvätt.", "svanen|bra_miljoval", []string{"500 ml", "1000 ml refill", "5 l dunk"}, 2900},
		{"Hudkräm oparfymerad", "Återfettande handkräm för personal med torr hud.", "svanen", []string{"100 ml", "500 ml pump"}, 3900},
		{"Barriärkräm zink", "Skyddande kräm för hud utsatt för fukt, inkontinens.", "", []string{"100 ml", "250 ml"}, 6900},
	} {
		for _, s := range h.sizes {
			add(h.name+" "+s, h.desc, "EA", 1, "33631600", h.eco, h.price)
		}
	}
	for _, p := range []struct {
		name, desc, eco, unit string
		pack                  int
		price                 int64
	}{
		{"Förkläde plast engångs vit", "Engångsförkläde i polyeten, 0,02 mm, på rulle.", "", "XPK", 200, 7900},
		{"Förkläde plast engångs blå", "Engångsförkläde för städ och hygien.", "", "XPK", 200, 7900},
		{"Förkläde bioplast engångs", "Förkläde av sockerrörsbaserad plast.", "svanen|eu_ecolabel", "XPK", 100, 9900},
		{"Munskydd typ IIR", "Medicinskt munskydd, vätskeavvisande, EN 14683 typ IIR.", "", "XBX", 50, 6900},
		{"Andningsskydd FFP2", "Filtrerande halvmask FFP2 utan ventil.", "", "XBX", 20, 12900},
		{"Visir engångs", "Visir med antiimma för stänkskydd.", "", "XBX", 25, 14900},
		{"Skyddsglasögon", "Återanvändbara skyddsglasögon med sidoskydd.", "", "EA", 1, 4900},
		{"Engångsrock med lång ärm", "Skyddsrock med mudd, vätskeavvisande.", "", "XPK", 10, 15900},
		{"Hårnät engångs", "Hårskydd i non-woven.", "", "XPK", 100, 2900},
		{"Skoskydd engångs", "Skoskydd i CPE, halkskyddade.", "", "XPK", 100, 3900},
		{"Tvättlappar engångs torra", "Mjuka tvättlappar i viskos för personlig hygien.", "svanen", "XPK", 200, 4900},
		{"Tvättlappar fuktade oparfymerade", "Förfuktade tvättlappar för hygien utan vatten.", "svanen", "XPK", 48, 5900},
		{"Våtservetter för ytrengöring", "Alkoholbaserade servetter för ytdesinfektion.", "", "XPK", 100, 8900},
		{"Ytdesinfektion spray 500 ml", "Alkoholbaserad ytdesinfektion för arbetsytor.", "svanen", "EA", 1, 5900},
		{"Sopsäck 125 l svart", "Sopsäckar av återvunnen plast.", "bra_miljoval", "XPK", 10, 2900},
		{"Pappershandduk Z-vikt", "Handdukspapper för dispenser.", "svanen|eu_ecolabel", "XCT", 3000, 25900},
		{"Toalettpapper 2-lagers", "Toalettpapper av returfiber.", "svanen|eu_ecolabel", "XPK", 42, 16900},
		{"Munvårdsstav", "Skumstav för munvård hos brukare som inte kan borsta själva.", "", "XPK", 100, 7900},
		{"Medicinbägare 30 ml", "Engångsbägare för läkemedel, graderad.", "", "XPK", 100, 1900},
		{"Dospåsedispenser", "Hållare för dospåsrullar.", "", "EA", 1, 9900},
	} {
		add(p.name, p.desc, p.unit, p.pack, "18143000", p.eco, p.price)
	}
	return rows
}

// csvField quotes a CSV field when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// gtin13 appends the GS1 check digit to 12 digits.
func gtin13(d string) string {
	sum := 0
	for i := 0; i < 12; i++ {
		v := int(d[i] - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return d + strconv.Itoa((10-sum%10)%10)
}
