package rotation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handlingFindings are Check's findings of the handling rules only.
func handlingFindings(cfg Config, facts Facts, now time.Time) []Finding {
	var out []Finding
	for _, f := range Check(cfg, facts, now) {
		switch f.Rule {
		case ruleStoragePlace, ruleManifestEncrypted, ruleOneSite:
			out = append(out, f)
		}
	}
	return out
}

func TestHandlingRules(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	cfg := goodConfig()
	cfg.Systems[0].Confidentiality = 2 // juki
	cfg.Systems[1].Confidentiality = 1 // web
	cfg.Sites[0].Places = []Place{{Name: "shelf", Kind: "shelf", Properties: []PlaceProperty{PropAccessControlled}},
		{Name: "safe", Kind: "fireproof-safe", Properties: []PlaceProperty{PropLockable, PropFireproof, PropWaterproof}}}
	cfg.Sites[1].Places = []Place{{Name: "vault", Kind: "vault", Properties: []PlaceProperty{PropLockable, PropFireproof}}}
	facts := goodFacts(now)
	add := func(c Cartridge) { facts.Cartridges = append(facts.Cartridges, c) }
	add(Cartridge{Barcode: "A00001L8", Pool: "daily", State: StateFull, Location: shelf(), Systems: []string{"juki", "web"}, Unencrypted: []string{"juki", "web"}})
	add(Cartridge{Barcode: "A00002L8", Pool: "daily", State: StateFull, Location: shelf(), Systems: []string{"web"}, Unencrypted: []string{"web"}})
	add(Cartridge{Barcode: "A00003L8", Pool: "daily", State: StateFull, Location: vault("annex"), Systems: []string{"juki"}})
	add(Cartridge{Barcode: "A00004L8", Pool: "gfs", State: StateFull, Location: slot(3), Systems: []string{"zei"}, Unencrypted: []string{"zei"}})
	facts.Manifests = []Manifest{
		{ID: "M-1", State: "open", Destination: "annex", Barcodes: []string{"A00001L8", "A00002L8", "A00003L8"}},
		{ID: "M-2", State: "in-transit", Destination: "annex", Barcodes: []string{"A00002L8"}},
	}

	fs := handlingFindings(cfg, facts, now)
	require.Len(t, fs, 5, "%v", fs)
	// Errors first: the manifest carrying juki's data in the clear (the
	// encrypted A00003L8 and web's class-1 data are not reported).
	assert.Equal(t, Finding{Severity: SeverityError, Rule: "manifest-encryption", Section: sectionEncryption, Subject: `manifest "M-1"`,
		Message: "lists A00001L8, holding confidentiality-2 data of juki written without encryption, for annex: such data is encrypted when it is carried; take it off the trip ('tapewarden manifest cancel M-1 --reason ...', then a manifest without it) and set encryption: age with recipients: on pool daily so that its generations travel encrypted"}, plain(fs[0]))
	// The annex vault is not waterproof (A00003L8 is juki's, class 2).
	assert.Equal(t, `place "annex/vault"`, fs[1].Subject)
	assert.Equal(t, "keeps A00003L8 with data of juki (confidentiality 2, availability 2), which the standard keeps in a lockable place protected against fire, heat, water and humidity, but the place is not waterproof: no place at annex is lockable, fireproof and waterproof: provide one (a fire- and water-proof safe) and list it under sites[].places with those properties; if the place does offer this, list it in the place's properties", fs[1].Message)
	// The machine room's shelf keeps juki's data; web's alone is class 1.
	assert.Equal(t, `place "honcho/shelf"`, fs[2].Subject)
	assert.Equal(t, "keeps A00001L8 with data of juki (confidentiality 2, availability 2), which the standard keeps in a lockable place protected against fire, heat, water and humidity, but the place is not lockable, fireproof or waterproof: move it to honcho/safe ('tapewarden media move A00001L8 --to honcho/safe'); if the place does offer this, list it in the place's properties", fs[2].Message)
	// Every copy of web and of zei is in the machine room (zei's in a
	// library slot, which the storage rule leaves alone); juki has one at
	// the annex.
	assert.Equal(t, Finding{Severity: SeverityWarning, Rule: "copies-one-site", Section: sectionRemote, Subject: `system "web"`,
		Message: "has every copy of its data on cartridges at honcho, where its server is (A00001L8, A00002L8): one fire, flood or earthquake there loses the server and every copy; send a generation to another site (the offsite policy of pool daily, 'tapewarden courier plan')"}, plain(fs[3]))
	assert.Equal(t, `system "zei"`, fs[4].Subject)
	// A copy on the road is not at the machine room.
	facts.Cartridges[len(facts.Cartridges)-1].Location = transit("sendai-dc", now)
	fs = handlingFindings(cfg, facts, now)
	require.Len(t, fs, 4, "%v", fs)
	assert.Equal(t, `system "web"`, fs[3].Subject)

	// Fixing each clears it: the shelf's cartridge moves to the safe, the
	// annex vault is waterproof after all, the manifest is cancelled and
	// a copy of web goes to the annex.
	facts.Cartridges[2].Location = Location{Kind: PlaceStorage, Site: room, Place: "safe"}
	cfg.Sites[1].Places[0].Properties = append(cfg.Sites[1].Places[0].Properties, PropWaterproof)
	facts.Manifests = facts.Manifests[1:]
	facts.Cartridges[3].Location = vault("annex")
	assert.Empty(t, handlingFindings(cfg, facts, now))

	// Without the catalog none of them is judged.
	assert.Empty(t, handlingFindings(cfg, Facts{}, now))
}
