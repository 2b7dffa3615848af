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
)

// Document is a printable page made of sections: the recovery sheet and
// the procedure document. It goes over the API as JSON and is printed as
// text, HTML (no JavaScript, an A4 print stylesheet) or PDF by whoever
// holds it, the CLI or the daemon.
type Document struct {
	Title string `json:"title"`
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

// wrap breaks a paragraph into lines of at most max columns, at spaces.
func wrap(text string, max int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case width(line)+1+width(word) <= max:
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// Text is the document as plain text: paragraphs at the margin, tables
// indented by two spaces, commands by four, exactly as they are typed.
func (d Document) Text() string {
	var b strings.Builder
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
					b.WriteString("  name: ____________________  signature: ____________________  date: __________\n\n")
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

var htmlPage = template.Must(template.New("document.html").ParseFS(templates, "document.html"))

// HTML writes the document as one HTML page: no JavaScript, no outside
// resources, a stylesheet that prints on A4.
func (d Document) HTML(w io.Writer) error {
	var buf bytes.Buffer
	if err := htmlPage.Execute(&buf, d); err != nil {
		return fmt.Errorf("make the HTML page: %w", err)
	}
	_, err := w.Write(buf.Bytes())
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

// PDF writes the document as an A4 PDF with the built-in fonts,
// uncompressed so that its text can be searched. Tables and commands are
// set in Courier as in the text form.
func (d Document) PDF(w io.Writer) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.SetTitle(pdfText(d.Title), false)
	pdf.SetCreator("tapewarden", false)
	pdf.SetCreationDate(d.Made)
	pdf.SetModificationDate(d.Made)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	title := pdfText(d.Title)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 4, tr(fmt.Sprintf("%s - page %d of {nb}", title, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AliasNbPages("{nb}")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 7, tr(title), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	for _, l := range d.Lines {
		pdf.MultiCell(0, 4.5, tr(pdfText(l)), "", "L", false)
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
			pdf.SetFont("Helvetica", "B", 10.5)
		} else {
			pdf.SetFont("Helvetica", "B", 12.5)
		}
		pdf.MultiCell(0, 6, tr(pdfText(s.Heading)), "", "L", false)
		for _, bl := range s.Blocks {
			pdf.Ln(1.5)
			switch {
			case bl.Table != nil:
				t := Table{Header: pdfRow(bl.Table.Header)}
				for _, r := range bl.Table.Rows {
					t.Rows = append(t.Rows, pdfRow(r))
				}
				mono(tableLines(t), 7.5, false)
			case bl.Code != nil:
				pdf.SetFillColor(240, 240, 240)
				mono(bl.Code, 8, true)
			case bl.Sign != nil:
				pdf.SetFont("Helvetica", "", 10)
				for _, role := range bl.Sign {
					pdf.Ln(2)
					pdf.MultiCell(0, 5, tr(pdfText(role)), "", "L", false)
					pdf.Ln(6)
					pdf.MultiCell(0, 5, "Name: ______________________   Signature: ______________________   Date: ____________", "", "L", false)
				}
			default:
				pdf.SetFont("Helvetica", "", 9.5)
				pdf.MultiCell(0, 4.6, tr(pdfText(bl.Text)), "", "L", false)
			}
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("make the PDF: %w", err)
	}
	return nil
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
