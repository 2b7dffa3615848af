package report

import (
	"strconv"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// Lang is the language a page is asked for: s (en, ja, or a tag such as
// ja-JP), or the configured language when s is empty. Any other is
// refused with ErrInvalid.
func (pg *Pages) Lang(s string) (i18n.Lang, error) {
	if strings.TrimSpace(s) == "" {
		l, _ := i18n.Parse(pg.cfg.Language)
		return l, nil
	}
	l, ok := i18n.Parse(s)
	if !ok {
		return i18n.English, invalid("lang %q: tapewarden writes en (English) and ja (Japanese); leave lang out for the configured language (%s)", s, pg.cfg.Language)
	}
	return l, nil
}

// printer speaks a page's language, with dates in the configured zone.
func (pg *Pages) printer(l i18n.Lang) *i18n.Printer {
	return i18n.NewPrinter(l, pg.cfg.Location)
}

// days says a number of days: "1 day", "3 days", 3日.
func days(p *i18n.Printer, n int) string {
	if n == 1 || n == -1 {
		return p.T("swap.unit.day", strconv.Itoa(n))
	}
	return p.T("swap.unit.days", strconv.Itoa(n))
}

// uses says how many uses a cleaning cartridge has: "1 use", "3 uses",
// 3回.
func uses(p *i18n.Printer, n int) string {
	if n == 1 || n == -1 {
		return p.T("swap.unit.use", strconv.Itoa(n))
	}
	return p.T("swap.unit.uses", strconv.Itoa(n))
}
