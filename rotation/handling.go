package rotation

import (
	"maps"
	"slices"
	"strings"
)

// The rules on how media are handled by the class of the data on them.
const (
	ruleStoragePlace      = "storage-place"
	ruleManifestEncrypted = "manifest-encryption"
	ruleOneSite           = "copies-one-site"
	sectionStorage        = "第1節 セ(イ)f(b)"
)

// Manifest is a courier manifest open or in transit, as the policy check
// sees it.
type Manifest struct {
	ID          string   `json:"id"`
	State       string   `json:"state"`
	Destination string   `json:"destination"`
	Barcodes    []string `json:"barcodes"`
}

// protectedStorage are the properties the standard asks of a place that
// keeps media holding confidentiality-2, integrity-2 or availability-2
// data: lockable, and proof against fire, heat, water and humidity.
var protectedStorage = []PlaceProperty{PropLockable, PropFireproof, PropWaterproof}

// storageClasses says why a system's media need protected storage
// ("integrity 2, availability 2"), or "" when they do not.
func storageClasses(s System) List {
	var parts []any
	if s.Confidentiality >= 2 {
		parts = append(parts, phrase("check.class.confidentiality", "confidentiality %d", s.Confidentiality))
	}
	if s.Integrity >= 2 {
		parts = append(parts, phrase("check.class.integrity", "integrity %d", s.Integrity))
	}
	if s.Availability >= 2 {
		parts = append(parts, phrase("check.class.availability_n", "availability %d", s.Availability))
	}
	return List{Items: parts, Join: JoinComma}
}

// checkHandling holds the catalog against the classes of the data on each
// cartridge: where it is kept, whether it travels unencrypted, and whether
// one site holds every copy of a system.
func checkHandling(cfg Config, facts Facts, add func(sev Severity, rule, section string, subject Reason, key, format string, args ...any)) {
	systems := map[string]System{}
	for _, s := range cfg.Systems {
		systems[s.Name] = s
	}
	carts := map[string]Cartridge{}
	for _, c := range facts.Cartridges {
		carts[c.Barcode] = c
	}
	checkStoragePlaces(cfg, facts, systems, add)

	// Manifests carrying confidentiality-2 data written unencrypted.
	for _, m := range facts.Manifests {
		var barcodes []string
		names, pools := map[string]bool{}, map[string]bool{}
		for _, b := range m.Barcodes {
			c := carts[b]
			plain := false
			for _, name := range c.Unencrypted {
				if systems[name].Confidentiality >= 2 {
					names[name], plain = true, true
				}
			}
			if plain {
				barcodes = append(barcodes, b)
				if c.Pool != "" {
					pools[c.Pool] = true
				}
			}
		}
		if len(barcodes) == 0 {
			continue
		}
		slices.Sort(barcodes)
		what := phrase("check.manifest.what", "%s, holding confidentiality-2 data of %s written without encryption",
			strings.Join(barcodes, ", "), strings.Join(slices.Sorted(maps.Keys(names)), ", "))
		fix := phrase("check.manifest.fix", "set encryption: age with recipients: on the pool so that its generations travel encrypted")
		if len(pools) > 0 {
			fix = phrase("check.manifest.fix_pools", "set encryption: age with recipients: on pool %s so that its generations travel encrypted", strings.Join(slices.Sorted(maps.Keys(pools)), ", "))
		}
		subj := about("manifest", m.ID)
		one := len(barcodes) == 1
		switch {
		case m.State == "in-transit" && one:
			add(SeverityError, ruleManifestEncrypted, sectionEncryption, subj, "check.manifest.carrying.one", "is carrying %s to %s: keep it in a locked case until delivery, and %s",
				what, m.Destination, fix)
		case m.State == "in-transit":
			add(SeverityError, ruleManifestEncrypted, sectionEncryption, subj, "check.manifest.carrying", "is carrying %s to %s: keep them in a locked case until delivery, and %s",
				what, m.Destination, fix)
		case one:
			add(SeverityError, ruleManifestEncrypted, sectionEncryption, subj, "check.manifest.lists.one", "lists %s, for %s: such data is encrypted when it is carried; take it off the trip ('tapewarden manifest cancel %s --reason ...', then a manifest without it) and %s",
				what, m.Destination, m.ID, fix)
		default:
			add(SeverityError, ruleManifestEncrypted, sectionEncryption, subj, "check.manifest.lists", "lists %s, for %s: such data is encrypted when it is carried; take them off the trip ('tapewarden manifest cancel %s --reason ...', then a manifest without them) and %s",
				what, m.Destination, m.ID, fix)
		}
	}

	// Sites holding every copy of a system.
	where := map[string]map[string]bool{} // system -> sites ("" in transit)
	held := map[string][]string{}         // system -> barcodes
	pools := map[string]map[string]bool{} // system -> pools
	for _, c := range facts.Cartridges {
		if c.State == StateLost {
			continue
		}
		for _, name := range c.Systems {
			if where[name] == nil {
				where[name], pools[name] = map[string]bool{}, map[string]bool{}
			}
			site := c.Location.Site
			if c.Location.Kind == PlaceTransit {
				site = ""
			}
			where[name][site] = true
			held[name] = append(held[name], c.Barcode)
			if c.Pool != "" {
				pools[name][c.Pool] = true
			}
		}
	}
	view := View{Sites: cfg.Sites}
	room := view.machineRoom()
	for _, name := range slices.Sorted(maps.Keys(where)) {
		if len(where[name]) != 1 || where[name][""] {
			continue
		}
		var site string
		for s := range where[name] {
			site = s
		}
		barcodes := held[name]
		slices.Sort(barcodes)
		key, format := "check.one_site", "has every copy of its data on cartridges at %s (%s): one fire, flood or earthquake there loses every copy; send a generation to another site (the offsite policy of pool %s, 'tapewarden courier plan')"
		if site == room {
			key, format = "check.one_site.room", "has every copy of its data on cartridges at %s, where its server is (%s): one fire, flood or earthquake there loses the server and every copy; send a generation to another site (the offsite policy of pool %s, 'tapewarden courier plan')"
		}
		add(SeverityWarning, ruleOneSite, sectionRemote, about("system", name), key, format,
			site, strings.Join(barcodes, ", "), strings.Join(slices.Sorted(maps.Keys(pools[name])), ", "))
	}
}

// checkStoragePlaces reports the storage places that keep cartridges
// whose data the standard wants in a lockable place protected against
// fire, heat, water and humidity, without offering that.
func checkStoragePlaces(cfg Config, facts Facts, systems map[string]System, add func(sev Severity, rule, section string, subject Reason, key, format string, args ...any)) {
	places := map[[2]string]Place{}
	for _, s := range cfg.Sites {
		for _, p := range s.Places {
			places[[2]string{s.Name, p.Name}] = p
		}
	}
	type kept struct {
		barcodes []string
		why      map[string]List // system -> its classes
	}
	at := map[[2]string]*kept{}
	for _, c := range facts.Cartridges {
		if c.Location.Kind != PlaceStorage || c.State == StateLost {
			continue
		}
		key := [2]string{c.Location.Site, c.Location.Place}
		p, ok := places[key]
		if !ok || !slices.ContainsFunc(protectedStorage, func(prop PlaceProperty) bool { return !p.Has(prop) }) {
			continue
		}
		why := map[string]List{}
		for _, name := range c.Systems {
			if classes := storageClasses(systems[name]); len(classes.Items) > 0 {
				why[name] = classes
			}
		}
		if len(why) == 0 {
			continue
		}
		k := at[key]
		if k == nil {
			k = &kept{why: map[string]List{}}
			at[key] = k
		}
		k.barcodes = append(k.barcodes, c.Barcode)
		maps.Copy(k.why, why)
	}
	for _, key := range slices.SortedFunc(maps.Keys(at), func(a, b [2]string) int { return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) }) {
		k, p := at[key], places[key]
		var lacks, data []any
		for _, prop := range protectedStorage {
			if !p.Has(prop) {
				lacks = append(lacks, string(prop))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(k.why)) {
			data = append(data, phrase("check.place.data", "%s (%s)", name, k.why[name]))
		}
		var better []any
		for _, s := range cfg.Sites {
			if s.Name != key[0] {
				continue
			}
			for _, q := range s.Places {
				if !slices.ContainsFunc(protectedStorage, func(prop PlaceProperty) bool { return !q.Has(prop) }) {
					better = append(better, s.Name+"/"+q.Name)
				}
			}
		}
		move := phrase("check.place.none", "no place at %s is lockable, fireproof and waterproof: provide one (a fire- and water-proof safe) and list it under sites[].places with those properties", key[0])
		switch {
		case len(better) > 0 && len(k.barcodes) == 1:
			move = phrase("check.place.move.one", "move it to %s ('tapewarden media move %s --to %s')", List{Items: better, Join: JoinOr}, k.barcodes[0], better[0])
		case len(better) > 0:
			move = phrase("check.place.move", "move them to %s ('tapewarden media move BARCODE --to %s')", List{Items: better, Join: JoinOr}, better[0])
		}
		slices.Sort(k.barcodes)
		add(SeverityError, ruleStoragePlace, sectionStorage, about("place", key[0]+"/"+key[1]), "check.place", "keeps %s with data of %s, which the standard keeps in a lockable place protected against fire, heat, water and humidity, but the place is not %s: %s; if the place does offer this, list it in the place's properties",
			strings.Join(k.barcodes, ", "), List{Items: data, Join: JoinAnd}, List{Items: lacks, Join: JoinOr}, move)
	}
}

// orList joins words as "a, b or c".
func orList(words []string) string { return joinLast(words, " or ") }

// andList joins words as "a, b and c".
func andList(words []string) string { return joinLast(words, " and ") }

func joinLast(words []string, last string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + last + words[len(words)-1]
}
