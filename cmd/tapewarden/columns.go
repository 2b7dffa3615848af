package main

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// displayWidth is how many columns a terminal gives s: two for a wide
// (Japanese) character, one for any other.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// padRight fills s with spaces to n columns.
func padRight(s string, n int) string {
	return s + strings.Repeat(" ", max(n-displayWidth(s), 0))
}

// columns writes rows as a table, each cell but the last padded to its
// column's widest cell and two spaces, as the printouts' tabwriter does,
// but counting a Japanese character as the two columns it takes.
func columns(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r[:len(r)-1] {
			b.WriteString(padRight(c, widths[i]+2))
		}
		b.WriteString(r[len(r)-1])
		b.WriteString("\n")
		fmt.Fprint(w, b.String())
	}
}
