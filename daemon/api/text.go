package api

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/report"
)

// textKinds are the request fields that are not names: reasons and paths
// are one line of up to media.MaxLineBytes, notes are documented as
// multi-line. Every other string field is a name (media.TextName).
var textKinds = map[string]media.TextKind{
	"reason":   media.TextLine,
	"to":       media.TextLine,
	"paths":    media.TextLine,
	"findings": media.TextLine,
	"notes":    media.TextMultiLine,
	"note":     media.TextMultiLine,
}

// checkRequestText refuses a request whose text fields hold a control
// character or are longer than their kind allows, before anything is
// looked up or changed: names, barcodes, notes, courier names, reasons,
// wherever they are in the request. The message names the field (as the
// JSON spells it) and does not echo the text.
func checkRequestText(v any) error {
	if _, ok := v.(*report.PolicyCheckRequest); ok {
		// A whole configuration to lint, changing nothing: its texts are
		// the configuration's, which its own validation judges.
		return nil
	}
	return checkTextValue(reflect.ValueOf(v), "", 0)
}

func checkTextValue(v reflect.Value, field string, depth int) error {
	if depth > 16 || !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkTextValue(v.Elem(), field, depth+1)
	case reflect.String:
		kind, ok := textKinds[field]
		if !ok {
			kind = media.TextName
		}
		name := field
		if name == "" {
			name = "the request"
		}
		if err := media.CheckText(name, v.String(), kind); err != nil {
			return badRequest("%s", textProblem(err))
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
				continue
			} else if tag != "" {
				name = tag
			}
			if f.Anonymous {
				name = field
			}
			if err := checkTextValue(v.Field(i), name, depth+1); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkTextValue(v.Index(i), field, depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if err := checkTextValue(k, field, depth+1); err != nil {
				return err
			}
			if err := checkTextValue(v.MapIndex(k), field, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// textProblem is the catalog's refusal without its sentinels' prefixes,
// which say nothing to a person.
func textProblem(err error) string {
	msg := err.Error()
	for _, s := range []error{media.ErrBadInput, media.ErrControlChar, media.ErrTooLong} {
		msg = strings.TrimPrefix(msg, s.Error()+": ")
	}
	if errors.Is(err, media.ErrTooLong) || errors.Is(err, media.ErrControlChar) {
		return msg
	}
	return fmt.Sprint(err)
}
