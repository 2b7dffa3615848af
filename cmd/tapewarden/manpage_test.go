package main

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// yamlKeys lists the dotted paths of every key of a configuration type,
// following nested structs, pointers to them and lists of them.
func yamlKeys(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + name
		keys = append(keys, path)
		keys = append(keys, yamlKeys(f.Type, path+".")...)
	}
	return keys
}

// manArgs splits a roff request's arguments, keeping quoted ones whole.
func manArgs(s string) []string {
	var args []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				end = len(s) - 1
			}
			args = append(args, s[1:end+1])
			s = s[min(end+2, len(s)):]
			continue
		}
		word, rest, _ := strings.Cut(s, " ")
		args = append(args, word)
		s = rest
	}
	return args
}

// boldWords returns, for each .SS section of a man page, the words set in
// bold by .B and .BR requests (where the odd arguments are roman).
func boldWords(t *testing.T, path string) map[string]map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sections := map[string]map[string]bool{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.ReplaceAll(sc.Text(), `\-`, "-")
		req, rest, _ := strings.Cut(line, " ")
		switch req {
		case ".SS", ".SH":
			section = strings.ToLower(strings.Trim(rest, `"`))
			sections[section] = map[string]bool{}
		case ".B", ".BR":
			for i, a := range manArgs(rest) {
				if req == ".B" || i%2 == 0 {
					sections[section][a] = true
				}
			}
		}
	}
	require.NoError(t, sc.Err())
	return sections
}

// The hand-written tapewarden.yaml(5) describes every key the daemon
// accepts, in the section of its top-level key ("top level" for the
// top-level scalars): a key added to config.Config without a line in the
// page fails here.
func TestYAMLManPageNamesEveryKey(t *testing.T) {
	sections := boldWords(t, "../../contrib/deb/tapewarden.yaml.5")
	keys := yamlKeys(reflect.TypeFor[config.Config](), "")
	require.Contains(t, keys, "pools.offsite.lead_days")
	require.Contains(t, keys, "prompts.escalate_command")

	for _, key := range keys {
		parts := strings.Split(key, ".")
		section := parts[0]
		if len(parts) == 1 {
			if _, ok := sections[key]; ok {
				continue // a section of its own: api, sites, ...
			}
			section = "top level"
		}
		words, ok := sections[section]
		if !assert.True(t, ok, "tapewarden.yaml.5 has no section .SS %s (for %s)", section, key) {
			continue
		}
		assert.True(t, words[parts[len(parts)-1]], "tapewarden.yaml.5 does not describe %s (no bold %q under .SS %s)",
			key, parts[len(parts)-1], section)
	}
}
