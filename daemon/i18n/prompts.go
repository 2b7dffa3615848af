package i18n

import (
	"strconv"
	"strings"
	"time"
)

// Place names where a cartridge is. kind is the catalog's kind of place
// (storage, slot, mailslot, drive, transit), site, place and slot its
// parts. In English it is the canonical form a command takes
// (honcho/lib0/slot/3); in Japanese it is said in words (honcho のライブラリ
// lib0 スロット 3). An unknown kind comes out as the site and place.
func (p *Printer) Place(kind, site, place string, slot int) string {
	n := strconv.Itoa(slot)
	switch kind {
	case "slot", "mailslot":
		return p.T("place."+kind, site, place, n)
	case "drive":
		return p.T("place.drive", site, place)
	case "transit":
		return p.T("place.transit", place)
	}
	return p.T("place.storage", site, place)
}

// Class writes a handling class (confidentiality and integrity, 0 for
// none stated) as the standard names it: "CLASS 2 (confidentiality 2,
// integrity 2)" in capitals so that it stands out, "class 1 (integrity
// 1)" otherwise, "" when no class is stated. The English is
// media.Handling's Label.
func (p *Printer) Class(confidentiality, integrity int) string {
	var parts []string
	if confidentiality > 0 {
		parts = append(parts, p.T("class.confidentiality", strconv.Itoa(confidentiality)))
	}
	if integrity > 0 {
		parts = append(parts, p.T("class.integrity", strconv.Itoa(integrity)))
	}
	if len(parts) == 0 {
		return ""
	}
	id := "class.low"
	if confidentiality >= 2 || integrity >= 2 {
		id = "class.high"
	}
	sep := ", "
	if p.lang == Japanese {
		sep = "、"
	}
	return p.T(id, strconv.Itoa(max(confidentiality, integrity)), strings.Join(parts, sep))
}

// Duration writes d for a person, the two largest units: "2 hours 5
// minutes", "2 時間 5 分". The English is rotation's HumanDuration.
func (p *Printer) Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Second {
		return p.T("duration.instant")
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	count := func(n int, name string) string {
		if n == 1 {
			return p.T("duration." + name + ".one")
		}
		return p.T("duration."+name, strconv.Itoa(n))
	}
	for i, u := range units {
		if d < u.size {
			continue
		}
		out := count(int(d/u.size), u.name)
		if i+1 < len(units) {
			next := units[i+1]
			if m := int((d % u.size) / next.size); m > 0 {
				out += " " + count(m, next.name)
			}
		}
		return out
	}
	return ""
}
