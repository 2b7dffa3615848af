// Package i18n is tapewarden's message catalogue: every text the web
// console shows and every prompt's action and reason, in English (en) and
// Japanese (ja), and dates written the way each language writes them
// (2026-12-06 18:00; 2026年12月6日 18:00).
//
// Messages are golang.org/x/text/message catalogue entries keyed by a
// stable ID ("ops.prompts"); a test fails on an ID missing in either
// language or whose two texts take different arguments (a Japanese text
// may take them in another order with %[n]s). The Japanese is
// written as a municipal operator reads it, with the standard's own terms
// (世代, 遠隔地保管, 媒体, 搬送, 点検). Nothing here is about HTTP: the
// report pages can use the same catalogue.
//
// Rotation's reasons carry a message key and the values they name beside
// their English (rotation.Reason's Key and Args); Printer.Reason tells
// them, and Printer.Where a cartridge's location, in the printer's
// language. Their English is rotation's own to the byte, which a test
// checks against every reason rotation gives in a broad set of cases.
package i18n
