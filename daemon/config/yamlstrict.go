package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tapewarden/tapewarden/rotation"
)

// ConfigError is one problem in a configuration file: where it is, which
// field, and what was expected.
type ConfigError struct {
	File  string
	Line  int
	Field string
	Msg   string
	// rule is the rotation rule a problem found by rotation breaks, so the
	// policy check can tell the minimum-rotation rule from the others.
	rule rotation.Rule
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("daemon: invalid configuration")

// ConfigErrors is every problem found in one file, in file order.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Is makes errors.Is(err, ErrConfig) hold.
func (es ConfigErrors) Is(target error) bool { return target == ErrConfig }

// Duration is a time.Duration written as "90s", "24h" or "7d" in YAML.
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// ParseDuration reads Go durations plus a "d" suffix for days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return d, nil
}

// Regexp is a regular expression in YAML, compiled at load.
type Regexp struct{ *regexp.Regexp }

// strictDecoder walks a YAML node tree into Go values, refusing unknown
// keys, duplicate keys and values of the wrong type, and recording every
// problem with its line and dotted field path.
type strictDecoder struct {
	file string
	errs ConfigErrors
}

func (d *strictDecoder) fail(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &ConfigError{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

var (
	durationType  = reflect.TypeOf(Duration(0))
	regexpType    = reflect.TypeOf(Regexp{})
	recipientType = reflect.TypeOf(Recipient{})
)

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// decode fills v (a settable value) from n.
func (d *strictDecoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		d.decode(n.Content[0], v, path)
		return
	}
	if n.Tag == "!!null" && n.Kind == yaml.ScalarNode {
		return // an empty value leaves the default
	}
	switch v.Type() {
	case durationType:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a duration such as 30s, 15m, 24h or 7d, got %s", describe(n))
			return
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.fail(n, path, "expected a duration such as 30s, 15m, 24h or 7d, got %q", n.Value)
			return
		}
		v.SetInt(int64(dur))
		return
	case regexpType:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a regular expression, got %s", describe(n))
			return
		}
		re, err := regexp.Compile("^(?:" + n.Value + ")$")
		if err != nil {
			d.fail(n, path, "invalid regular expression %q: %v", n.Value, err)
			return
		}
		v.Set(reflect.ValueOf(Regexp{re}))
		return
	}
	if v.Type() == recipientType {
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected an age recipient (age1…), got %s", describe(n))
			return
		}
		v.Set(reflect.ValueOf(Recipient{Value: n.Value, Line: n.Line}))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping, got %s", describe(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if line, dup := seen[k.Value]; dup {
				d.fail(k, join(path, k.Value), "defined twice (first at line %d)", line)
				continue
			}
			seen[k.Value] = k.Line
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, join(path, k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a text value, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, ok := scalarBool(n)
		if !ok {
			d.fail(n, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a whole number, got %s", describe(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			d.fail(n, path, "expected a whole number, got %q", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a number, got %s", describe(n))
			return
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			d.fail(n, path, "expected a number, got %q", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "cannot decode into %s", v.Type())
	}
}

func scalarBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch n.Value {
	case "true", "True", "TRUE", "yes", "Yes":
		return true, true
	case "false", "False", "FALSE", "no", "No":
		return false, true
	}
	return false, false
}

// decodeStruct fills a struct from a mapping. Fields are named by their
// yaml tag; a field `Line int` (tag "-") receives the mapping's line, and a
// field `KeyLines map[string]int` (tag "-") the line of each key.
func (d *strictDecoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping of keys to values, got %s", describe(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			switch {
			case f.Name == "Line" && f.Type.Kind() == reflect.Int:
				v.Field(i).SetInt(int64(n.Line))
			case f.Name == "KeyLines" && f.Type == reflect.TypeOf(map[string]int(nil)):
				keys := map[string]int{}
				for k := 0; k+1 < len(n.Content); k += 2 {
					keys[n.Content[k].Value] = n.Content[k].Line
				}
				v.Field(i).Set(reflect.ValueOf(keys))
			}
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	sort.Strings(names)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		idx, ok := fields[k.Value]
		if !ok {
			d.fail(k, join(path, k.Value), "unknown key; expected one of: %s", strings.Join(names, ", "))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.fail(k, join(path, k.Value), "defined twice (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		d.decode(val, v.Field(idx), join(path, k.Value))
	}
}

// decodeStrictYAML parses data and decodes it into out (a pointer to a
// struct). A syntax error is reported with its line.
func decodeStrictYAML(file string, data []byte, out any) ConfigErrors {
	d := &strictDecoder{file: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		d.errs = append(d.errs, &ConfigError{File: file, Line: line, Msg: "YAML syntax: " + msg})
		return d.errs
	}
	if root.Kind == 0 {
		d.errs = append(d.errs, &ConfigError{File: file, Msg: "the file is empty"})
		return d.errs
	}
	d.decode(&root, reflect.ValueOf(out).Elem(), "")
	return d.errs
}
