package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// JapaneseFontPackage is the Debian package whose font prints the
// Japanese PDFs.
const JapaneseFontPackage = "fonts-ipafont-gothic"

// JapaneseFonts are the TrueType fonts a Japanese PDF is printed with,
// the first one present that holds every character of the document. The
// IPA Gothic comes first: its Latin letters are half as wide as its kana
// and kanji, as the text form counts them.
var JapaneseFonts = []string{
	"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",      // fonts-ipafont-gothic
	"/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf", // fonts-takao-gothic
	"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",  // fonts-ipaexfont-gothic
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",    // the Japanese gothic the alternatives system chose
}

// ErrNoJapaneseFont is a Japanese PDF asked for on a machine without a
// font that prints it.
var ErrNoJapaneseFont = errors.New("no Japanese font for the PDF")

// japaneseFont reads the first of JapaneseFonts that is a TrueType font
// with outlines fpdf embeds (glyf, not CFF, not a collection) and a glyph
// for every rune of text. A PDF with a missing glyph is never made: the
// error says which package to install, and that HTML prints meanwhile.
func japaneseFont(text string) ([]byte, error) {
	var tried []string
	for _, path := range JapaneseFonts {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		missing, err := lacks(data, text)
		switch {
		case err != nil:
			tried = append(tried, fmt.Sprintf("%s: %v", path, err))
		case missing != "":
			tried = append(tried, fmt.Sprintf("%s has no glyph for %q", path, missing))
		default:
			return data, nil
		}
	}
	why := "none of " + strings.Join(JapaneseFonts, ", ") + " is installed"
	if len(tried) > 0 {
		why = strings.Join(tried, "; ")
	}
	return nil, fmt.Errorf("%w (%s): install the Debian package %s (apt-get install %s) and print again; --format html prints the same document in Japanese meanwhile",
		ErrNoJapaneseFont, why, JapaneseFontPackage, JapaneseFontPackage)
}

// lacks returns the first printed rune of text that the TrueType font
// data has no glyph for ("" when it has them all), or why the data is not
// a font fpdf can embed.
func lacks(data []byte, text string) (string, error) {
	tables, err := ttfTables(data)
	if err != nil {
		return "", err
	}
	if _, ok := tables["glyf"]; !ok {
		return "", errors.New("its outlines are not TrueType (no glyf table)")
	}
	cmap, ok := tables["cmap"]
	if !ok {
		return "", errors.New("it has no character map (cmap)")
	}
	glyph, err := ttfCmap(cmap)
	if err != nil {
		return "", err
	}
	for _, r := range text {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			continue
		}
		if glyph(r) == 0 {
			return string(r), nil
		}
	}
	return "", nil
}

// ttfTables are the tables of a TrueType file by tag.
func ttfTables(data []byte) (map[string][]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("the file is too short for a font")
	}
	switch string(data[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return nil, errors.New("it is an OpenType font with CFF outlines, which the PDF cannot embed")
	case "ttcf":
		return nil, errors.New("it is a font collection (TTC), which the PDF cannot embed")
	default:
		return nil, errors.New("it is not a TrueType font")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	out := map[string][]byte{}
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("its table directory is cut short")
		}
		off, size := binary.BigEndian.Uint32(data[rec+8:]), binary.BigEndian.Uint32(data[rec+12:])
		if uint64(off)+uint64(size) > uint64(len(data)) {
			return nil, fmt.Errorf("its table %q runs past the end of the file", data[rec:rec+4])
		}
		out[string(data[rec:rec+4])] = data[off : off+size]
	}
	return out, nil
}

// ttfCmap returns the glyph lookup of a cmap table's Unicode subtable
// (format 12, else format 4); glyph 0 is a missing character.
func ttfCmap(cmap []byte) (func(rune) int, error) {
	if len(cmap) < 4 {
		return nil, errors.New("its character map is cut short")
	}
	var bmp, full []byte
	for i := range int(binary.BigEndian.Uint16(cmap[2:])) {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			break
		}
		platform, encoding := binary.BigEndian.Uint16(cmap[rec:]), binary.BigEndian.Uint16(cmap[rec+2:])
		off := int(binary.BigEndian.Uint32(cmap[rec+4:]))
		if off+4 > len(cmap) || !(platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))) {
			continue
		}
		sub := cmap[off:]
		switch binary.BigEndian.Uint16(sub) {
		case 4:
			bmp = sub
		case 12:
			full = sub
		}
	}
	switch {
	case len(full) >= 16:
		n := int(binary.BigEndian.Uint32(full[12:]))
		return func(r rune) int {
			for i := range n {
				g := full[16+12*i:]
				if len(g) < 12 {
					return 0
				}
				first, last := rune(binary.BigEndian.Uint32(g)), rune(binary.BigEndian.Uint32(g[4:]))
				if r >= first && r <= last {
					return int(binary.BigEndian.Uint32(g[8:])) + int(r-first)
				}
			}
			return 0
		}, nil
	case len(bmp) >= 14:
		segs := int(binary.BigEndian.Uint16(bmp[6:])) / 2
		if len(bmp) < 16+8*segs {
			return nil, errors.New("its character map is cut short")
		}
		ends, starts := bmp[14:], bmp[16+2*segs:]
		deltas, ranges := bmp[16+4*segs:], bmp[16+6*segs:]
		return func(r rune) int {
			if r > 0xffff {
				return 0
			}
			for i := range segs {
				end, start := rune(binary.BigEndian.Uint16(ends[2*i:])), rune(binary.BigEndian.Uint16(starts[2*i:]))
				if r > end {
					continue
				}
				if r < start {
					return 0
				}
				delta, ro := int(binary.BigEndian.Uint16(deltas[2*i:])), int(binary.BigEndian.Uint16(ranges[2*i:]))
				if ro == 0 {
					return (int(r) + delta) & 0xffff
				}
				at := 16 + 6*segs + 2*i + ro + 2*int(r-start)
				if at+2 > len(bmp) {
					return 0
				}
				g := int(binary.BigEndian.Uint16(bmp[at:]))
				if g == 0 {
					return 0
				}
				return (g + delta) & 0xffff
			}
			return 0
		}, nil
	}
	return nil, errors.New("its character map has no Unicode table")
}
