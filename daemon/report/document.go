package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// Document is a printable page made of sections: the recovery sheet and
// the procedure document. It goes over the API as JSON and is printed as
// text, HTML (no JavaScript, an A4 print stylesheet) or PDF by whoever
// holds it, the CLI or the daemon.
type Document struct {
	Title string `json:"title"`
	// Lang is the language the document speaks (en, ja); a document
	// without one is English.
	Lang string `json:"lang,omitempty"`
	// Lines are printed under the title: what the document is about, the
	// catalog's identity, when it was made.
	Lines []string `json:"lines,omitempty"`
	// Made is when the document was made, in the configured zone.
	Made     time.Time  `json:"made"`
	Sections []*Section `json:"sections"`
}

// Section is one headed part of a document.
type Section struct {
	Heading string `json:"heading"`
	// Level is 1 for a section, 2 for a subsection.
	Level  int     `json:"level"`
	Blocks []Block `json:"blocks"`
}

// Block is one paragraph, table, list of commands or place for
// signatures; exactly one of its fields is set.
type Block struct {
	Text  string `json:"text,omitempty"`
	Table *Table `json:"table,omitempty"`
	// Code are commands to type, one a line, printed as they are.
	Code []string `json:"code,omitempty"`
	// Sign are the roles that sign, each with a line for the name, the
	// signature and the date.
	Sign []string `json:"sign,omitempty"`
}

// Table is a table with a header row.
type Table struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Language is the language the document speaks.
func (d Document) Language() i18n.Lang {
	l, _ := i18n.Parse(d.Lang)
	return l
}

// printer speaks the document's language, for the words the printed
// forms add (the lines to sign on, the page footer).
func (d Document) printer() *i18n.Printer {
	return i18n.NewPrinter(d.Language(), nil)
}

// section appends a section to the document and returns it for blocks.
func (d *Document) section(level int, heading string) *Section {
	s := &Section{Heading: heading, Level: level}
	d.Sections = append(d.Sections, s)
	return s
}

func (s *Section) para(format string, args ...any) {
	s.Blocks = append(s.Blocks, Block{Text: fmt.Sprintf(format, args...)})
}

func (s *Section) table(header []string, rows [][]string) {
	s.Blocks = append(s.Blocks, Block{Table: &Table{Header: header, Rows: rows}})
}

func (s *Section) code(lines ...string) {
	s.Blocks = append(s.Blocks, Block{Code: lines})
}

// Formats a document prints in.
const (
	FormatText = "text"
	FormatHTML = "html"
	FormatPDF  = "pdf"
)

// CheckFormat says whether format is one a document prints in.
func CheckFormat(format string) error {
	switch format {
	case FormatText, FormatHTML, FormatPDF:
		return nil
	}
	return invalid("format %q: give text, html or pdf", format)
}

// Write prints the document in format (text, html or pdf) to w.
func (d Document) Write(w io.Writer, format string) error {
	switch format {
	case FormatText:
		_, err := io.WriteString(w, d.Text())
		return err
	case FormatHTML:
		return d.HTML(w)
	case FormatPDF:
		return d.PDF(w)
	}
	return CheckFormat(format)
}

// textWidth is how wide the text form's paragraphs are.
const textWidth = 78

// width is how many columns s takes on a terminal or in a monospaced
// font: two for the wide characters of Japanese, one for the rest.
func width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

func wide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6))
}

// wrap breaks a paragraph into lines of at most max columns, at spaces
// and between Japanese characters; a word wider than a line stays whole.
func wrap(text string, max int) []string {
	return breakText(func(s string) float64 { return float64(width(s)) }, text, float64(max), false)
}

// Text is the document as plain text: paragraphs at the margin, tables
// indented by two spaces, commands by four, exactly as they are typed.
func (d Document) Text() string {
	var b strings.Builder
	signLine := d.printer().T("doc.sign_text")
	b.WriteString(d.Title + "\n" + strings.Repeat("=", width(d.Title)) + "\n")
	for _, l := range d.Lines {
		b.WriteString(l + "\n")
	}
	for _, s := range d.Sections {
		b.WriteString("\n")
		under := "-"
		if s.Level > 1 {
			under = "."
		}
		b.WriteString(s.Heading + "\n" + strings.Repeat(under, width(s.Heading)) + "\n")
		for i, bl := range s.Blocks {
			if i > 0 {
				b.WriteString("\n")
			}
			switch {
			case bl.Table != nil:
				for _, l := range tableLines(*bl.Table) {
					b.WriteString("  " + l + "\n")
				}
			case bl.Code != nil:
				for _, l := range bl.Code {
					b.WriteString("    " + l + "\n")
				}
			case bl.Sign != nil:
				for _, role := range bl.Sign {
					b.WriteString(role + "\n")
					b.WriteString(signLine + "\n\n")
				}
			default:
				for _, l := range wrap(bl.Text, textWidth) {
					b.WriteString(l + "\n")
				}
			}
		}
	}
	return b.String()
}

// tableLines lays a table out in columns, the header underlined. An
// empty first cell is written "-" so that no row starts like a command.
func tableLines(t Table) []string {
	widths := make([]int, len(t.Header))
	rows := append([][]string{t.Header}, t.Rows...)
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], width(c))
			}
		}
	}
	line := func(r []string) string {
		var parts []string
		for i := range widths {
			c := ""
			if i < len(r) {
				c = r[i]
			}
			if i == 0 && c == "" {
				c = "-"
			}
			if i < len(widths)-1 {
				c += strings.Repeat(" ", widths[i]-width(c))
			}
			parts = append(parts, c)
		}
		return strings.TrimRight(strings.Join(parts, "  "), " ")
	}
	out := []string{line(t.Header)}
	var rule []string
	for _, w := range widths {
		rule = append(rule, strings.Repeat("-", w))
	}
	out = append(out, strings.Join(rule, "  "))
	for _, r := range t.Rows {
		out = append(out, line(r))
	}
	return out
}

//go:embed document.html
var templates embed.FS

var htmlPage = template.Must(template.New("document.html").Funcs(i18n.NewPrinter(i18n.English, nil).Funcs()).ParseFS(templates, "document.html"))

// HTML writes the document as one HTML page in its language: no
// JavaScript, no outside resources, a stylesheet that prints on A4.
func (d Document) HTML(w io.Writer) error {
	page, err := htmlPage.Clone()
	if err != nil {
		return fmt.Errorf("make the HTML page: %w", err)
	}
	var buf bytes.Buffer
	if err := page.Funcs(d.printer().Funcs()).Execute(&buf, d); err != nil {
		return fmt.Errorf("make the HTML page: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// leftReference is what pdfText leaves of a reference to the standard
// such as (第2節 3(2)オ).
var leftReference = regexp.MustCompile(`\((\d+ )?\d+\(\d+\)\)`)

// pdfText is what the PDF's built-in fonts can print of s: they hold
// the Latin characters only, so Japanese is left out (of a heading
// "日本語 / English", the English half is kept). The text and HTML forms
// carry the Japanese.
func pdfText(s string) string {
	if ja, en, ok := strings.Cut(s, " / "); ok && !latin(ja) {
		// Keep the section's number: "4-1 バックアップ処理の流れ / The
		// flow of a backup" prints "4-1 The flow of a backup".
		if num, _, ok := strings.Cut(ja, " "); ok && strings.Trim(num, "0123456789.-") == "" {
			en = num + " " + en
		}
		s = en
	}
	s = strings.ReplaceAll(s, "表-33", "table 33")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '—' || r == '–':
			b.WriteRune('-')
		case r == '…':
			b.WriteString("...")
		case r < utf8.RuneSelf || (r >= 0xa0 && r <= 0xff):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	// What is left of a reference whose Japanese was left out, and the
	// spaces the Japanese stood between.
	out = leftReference.ReplaceAllString(out, "")
	out = strings.NewReplacer("( ", "(", " )", ")", "()", "", " .", ".", " ,", ",", " ;", ";", " :", ":").Replace(out)
	return strings.TrimSpace(strings.Join(strings.Fields(out), " "))
}

func latin(s string) bool {
	for _, r := range s {
		if r > 0xff {
			return false
		}
	}
	return true
}

// pdfCodeText keeps a command's spacing: only characters the fonts lack
// are dropped.
func pdfCodeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf || (r >= 0xa0 && r <= 0xff) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PDF writes the document as an A4 PDF, uncompressed so that its text
// can be searched. An English document is set in the built-in fonts,
// tables and commands in Courier as in the text form. A Japanese one is
// set in a Japanese TrueType font of the system (JapaneseFonts), its
// tables in columns measured in that font; without such a font it fails
// with ErrNoJapaneseFont rather than print a page with missing glyphs.
func (d Document) PDF(w io.Writer) error {
	var font []byte
	if d.Language() == i18n.Japanese {
		var err error
		if font, err = japaneseFont(d.allText()); err != nil {
			return err
		}
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.SetCreator("tapewarden", false)
	pdf.SetCreationDate(d.Made)
	pdf.SetModificationDate(d.Made)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	// text is what the fonts print of a paragraph, raw of a line printed
	// as it is, sans sets the font of headings and paragraphs, and para
	// prints a paragraph.
	text := func(s string) string { return tr(pdfText(s)) }
	raw := tr
	sans := func(bold bool, size float64) {
		pdf.SetFont("Helvetica", map[bool]string{true: "B"}[bold], size)
	}
	para := func(h float64, s string) { pdf.MultiCell(0, h, text(s), "", "L", false) }
	title := pdfText(d.Title)
	if font != nil {
		pdf.AddUTF8FontFromBytes("ja", "", font)
		text = func(s string) string { return s }
		raw = text
		sans = func(_ bool, size float64) { pdf.SetFont("ja", "", size) }
		para = func(h float64, s string) {
			w, _ := pdf.GetPageSize()
			left, _, right, _ := pdf.GetMargins()
			for _, l := range pdfWrap(pdf.GetStringWidth, s, w-left-right) {
				pdf.CellFormat(0, h, l, "", 1, "L", false, 0, "")
			}
		}
		title = d.Title
	}
	pdf.SetTitle(title, font != nil)
	p := d.printer()
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		sans(false, 8)
		pdf.CellFormat(0, 4, raw(p.T("doc.page", title, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AliasNbPages("{nb}")
	pdf.AddPage()
	sans(true, 15)
	para(7, d.Title)
	sans(false, 9)
	for _, l := range d.Lines {
		para(4.5, l)
	}
	mono := func(lines []string, size float64, shell bool) {
		w, _ := pdf.GetPageSize()
		left, _, right, _ := pdf.GetMargins()
		if !shell {
			// A wide table is set smaller, down to 5 points, rather
			// than broken.
			widest := 0
			for _, l := range lines {
				widest = max(widest, utf8.RuneCountInString(l))
			}
			const courierWidth = 0.6 * 25.4 / 72 // mm per point of font size
			if fit := (w - left - right) / (float64(widest) * courierWidth); fit < size {
				size = max(fit, 5)
			}
		}
		pdf.SetFont("Courier", "", size)
		cols := int((w - left - right) / pdf.GetStringWidth("0"))
		for _, l := range lines {
			for _, part := range breakLine(pdfCodeText(l), cols, shell) {
				pdf.CellFormat(0, size*0.45, tr(part), "", 1, "L", false, 0, "")
			}
		}
	}
	for _, s := range d.Sections {
		pdf.Ln(3)
		if s.Level > 1 {
			sans(true, 10.5)
		} else {
			sans(true, 12.5)
		}
		para(6, s.Heading)
		for _, bl := range s.Blocks {
			pdf.Ln(1.5)
			switch {
			case bl.Table != nil && font != nil:
				pdfTable(pdf, *bl.Table, 7.5)
			case bl.Table != nil:
				t := Table{Header: pdfRow(bl.Table.Header)}
				for _, r := range bl.Table.Rows {
					t.Rows = append(t.Rows, pdfRow(r))
				}
				mono(tableLines(t), 7.5, false)
			case bl.Code != nil && font != nil && !latin(strings.Join(bl.Code, "")):
				// Commands with Japanese in them (a place's name) are set
				// in the Japanese font, whose Latin letters are as wide
				// as Courier's columns.
				for _, l := range bl.Code {
					pdf.SetFont("ja", "", 8)
					w, _ := pdf.GetPageSize()
					left, _, right, _ := pdf.GetMargins()
					for _, part := range breakLine(l, int((w-left-right)/pdf.GetStringWidth("0")), true) {
						pdf.CellFormat(0, 8*0.45, part, "", 1, "L", false, 0, "")
					}
				}
			case bl.Code != nil:
				pdf.SetFillColor(240, 240, 240)
				mono(bl.Code, 8, true)
			case bl.Sign != nil:
				sans(false, 10)
				for _, role := range bl.Sign {
					pdf.Ln(2)
					para(5, role)
					pdf.Ln(6)
					pdf.MultiCell(0, 5, raw(p.T("doc.sign_pdf")), "", "L", false)
				}
			default:
				sans(false, 9.5)
				para(4.6, bl.Text)
			}
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("make the PDF: %w", err)
	}
	return nil
}

// allText is every text of the document, for the font to hold.
func (d Document) allText() string {
	parts := append([]string{d.Title}, d.Lines...)
	p := d.printer()
	parts = append(parts, p.T("doc.page", "", 0), p.T("doc.sign_pdf"))
	for _, s := range d.Sections {
		parts = append(parts, s.Heading)
		for _, b := range s.Blocks {
			parts = append(parts, b.Text)
			parts = append(parts, b.Code...)
			parts = append(parts, b.Sign...)
			if b.Table != nil {
				parts = append(parts, b.Table.Header...)
				for _, r := range b.Table.Rows {
					parts = append(parts, r...)
				}
			}
		}
	}
	return strings.Join(parts, "\n")
}

// noLineStart are the characters a Japanese line does not begin with.
const noLineStart = "、。，．・：；？！）」』】〕］｝ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ,.:;!?)]}"

// pdfWrap breaks text into lines no wider than max as measured by
// widthOf, cutting a word wider than a line.
func pdfWrap(widthOf func(string) float64, text string, max float64) []string {
	return breakText(widthOf, text, max, true)
}

// breakText breaks text into lines no wider than max as measured by
// widthOf: at a space, or between two characters where one is Japanese,
// but never before a closing mark or a small kana. A word wider than a
// line is cut when cut is set, else it makes a line of its own.
func breakText(widthOf func(string) float64, text string, max float64, cut bool) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		runes := []rune(strings.Join(strings.Fields(para), " "))
		for len(runes) > 0 {
			if widthOf(string(runes)) <= max {
				lines = append(lines, string(runes))
				break
			}
			// The longest head that fits, then back to a place to break.
			fit := 1
			for fit < len(runes) && widthOf(string(runes[:fit+1])) <= max {
				fit++
			}
			at := fit
			for ; at > 0; at-- {
				if at < len(runes) && breakable(runes[at-1], runes[at]) {
					break
				}
			}
			if at == 0 && cut {
				at = fit // one word wider than the line: cut it
			}
			if at == 0 {
				// One word wider than the line: whole, to the next place
				// to break.
				at = fit
				for at < len(runes) && !breakable(runes[at-1], runes[at]) {
					at++
				}
			}
			lines = append(lines, strings.TrimRight(string(runes[:at]), " "))
			runes = []rune(strings.TrimLeft(string(runes[at:]), " "))
		}
	}
	return lines
}

// noLineEnd are the characters a line does not end with.
const noLineEnd = "(（「『【〔［｛[{"

// breakable says whether a line may break between a and b.
func breakable(a, b rune) bool {
	switch {
	case strings.ContainsRune(noLineStart, b), strings.ContainsRune(noLineEnd, a):
		return false
	case b == ' ' || a == ' ':
		return true
	}
	return wide(a) || wide(b)
}

// pdfTable sets a table in the current UTF-8 font: columns as wide as
// their widest cell, the whole set smaller (down to 5 points) when it is
// wider than the page, and cells that still do not fit broken into
// lines.
func pdfTable(pdf *fpdf.Fpdf, t Table, size float64) {
	const gap = 2.0 // mm between columns
	pageW, _ := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	avail := pageW - left - right
	natural := func() []float64 {
		widths := make([]float64, len(t.Header))
		for _, r := range append([][]string{t.Header}, t.Rows...) {
			for i, c := range r {
				if i < len(widths) {
					widths[i] = max(widths[i], pdf.GetStringWidth(c)+gap)
				}
			}
		}
		return widths
	}
	pdf.SetFont("ja", "", size)
	widths := natural()
	total := 0.0
	for _, w := range widths {
		total += w
	}
	if total > avail {
		size = max(5, size*avail/total)
		pdf.SetFont("ja", "", size)
		widths = natural()
		total = 0
		for _, w := range widths {
			total += w
		}
	}
	if total > avail {
		// The widest columns give back what they take beyond their
		// share; a column narrower than its share keeps its width.
		floor := make([]float64, len(widths))
		for i, w := range widths {
			floor[i] = min(w, avail/float64(len(widths)))
		}
		for over := total - avail; over > 0.01; {
			widest := -1
			for i := range widths {
				if widths[i]-floor[i] > 0.01 && (widest < 0 || widths[i] > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			next := 0.0
			for i := range widths {
				if i != widest && widths[i] > next {
					next = widths[i]
				}
			}
			take := min(over, max(widths[widest]-next, 0.5), widths[widest]-floor[widest])
			widths[widest] -= take
			over -= take
		}
	}
	lineH := size * 0.45
	row := func(cells []string, header bool) {
		var parts [][]string
		n := 1
		for i, w := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			lines := pdfWrap(pdf.GetStringWidth, c, w-gap+0.01) // (w+gap)-gap may round below w
			if len(lines) == 0 {
				lines = []string{""}
			}
			parts = append(parts, lines)
			n = max(n, len(lines))
		}
		_, pageH := pdf.GetPageSize()
		_, _, _, bottom := pdf.GetMargins()
		if pdf.GetY()+float64(n)*lineH > pageH-bottom {
			pdf.AddPage()
		}
		for l := range n {
			x := left
			for i, w := range widths {
				pdf.SetX(x)
				c := ""
				if l < len(parts[i]) {
					c = parts[i][l]
				}
				border := ""
				if header && l == n-1 {
					border = "B"
				}
				pdf.CellFormat(w, lineH, c, border, 0, "L", false, 0, "")
				x += w
			}
			pdf.Ln(lineH)
		}
	}
	row(t.Header, true)
	pdf.Ln(0.6)
	for _, r := range t.Rows {
		row(r, false)
	}
}

// breakLine breaks a line longer than cols columns at spaces. A command
// goes on with a backslash at the end of each part, a comment with "#" at
// the start of the next, so that the printed lines typed as they stand
// do the same as the one line; a table row just goes on, indented.
func breakLine(line string, cols int, shell bool) []string {
	if cols < 20 || utf8.RuneCountInString(line) <= cols {
		return []string{line}
	}
	comment := shell && strings.HasPrefix(line, "#")
	var out []string
	for utf8.RuneCountInString(line) > cols {
		limit := cols
		if shell && !comment {
			limit -= 2 // room for " \"
		}
		runes := []rune(line)
		cut := strings.LastIndex(string(runes[:limit]), " ")
		if cut <= 4 {
			break
		}
		head, rest := strings.TrimRight(line[:cut], " "), strings.TrimLeft(line[cut:], " ")
		switch {
		case comment:
			out, line = append(out, head), "#   "+rest
		case shell:
			out, line = append(out, head+" \\"), "    "+rest
		default:
			out, line = append(out, head), "    "+rest
		}
	}
	return append(out, line)
}

func pdfRow(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = pdfText(c)
	}
	return out
}
