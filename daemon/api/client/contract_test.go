package client_test

import (
	"context"
	"encoding"
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api/client"
)

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// jsonKeys walks a type as encoding/json writes it and calls bad for each
// object key that is not snake_case, with the path to it.
func jsonKeys(t reflect.Type, path string, seen map[reflect.Type]bool, bad func(path, key string)) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem() // map keys are data (names of systems, sites), not field names
	}
	if seen[t] || t.Kind() != reflect.Struct {
		return
	}
	seen[t] = true
	if t.Implements(reflect.TypeFor[json.Marshaler]()) || t.Implements(reflect.TypeFor[encoding.TextMarshaler]()) {
		return // written by its own method; checked by value below
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			jsonKeys(f.Type, path, seen, bad)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !snake.MatchString(name) {
			bad(path, name)
		}
		jsonKeys(f.Type, path+"."+name, seen, bad)
	}
}

// Every answer type of every endpoint (one client method each) writes
// snake_case keys.
func TestEveryAnswerTypeHasSnakeCaseKeys(t *testing.T) {
	ct := reflect.TypeFor[*client.Client]()
	checked := 0
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		if m.Type.NumOut() != 2 {
			continue
		}
		answer := m.Type.Out(0)
		jsonKeys(answer, m.Name, map[reflect.Type]bool{}, func(path, key string) {
			t.Errorf("%s answers a JSON key %q (at %s) that is not snake_case", m.Name, key, path)
		})
		checked++
	}
	assert.Greater(t, checked, 40, "every endpoint is a client method")
	// What writes itself (the run log's lines) and what the offline tape
	// commands print.
	for _, v := range []any{media.LogLine{}, drives.Label{}, drives.Status{}, drives.TapeAlert{}, drives.Limits{}} {
		jsonKeys(reflect.TypeOf(v), reflect.TypeOf(v).Name(), map[reflect.Type]bool{}, func(path, key string) {
			t.Errorf("%s writes a JSON key %q that is not snake_case", path, key)
		})
	}
}

// objectKeys collects every object key of a JSON document, with its path.
func objectKeys(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out[path+"."+k] = k
			objectKeys(e, path+"."+k, out)
		}
	case []any:
		for _, e := range x {
			objectKeys(e, path+"[]", out)
		}
	}
}

// strings collects every string value of a JSON document.
func stringValues(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case map[string]any:
		for _, e := range x {
			stringValues(e, out)
		}
	case []any:
		for _, e := range x {
			stringValues(e, out)
		}
	}
}

// The demo daemon's actual answers: snake_case keys where keys are names
// of fields or states, RFC 3339 times in the configured zone, the run
// log as timestamped lines, and a library drive's element 0 present.
func TestAnswersKeepTheJSONContract(t *testing.T) {
	c, cfg := demoDaemon(t)
	ctx := context.Background()
	_, offset := time.Now().In(cfg.Location).Zone()
	zone := time.Now().In(cfg.Location).Format("-07:00")
	t.Logf("configured zone %s, offset %d", zone, offset)

	run, err := c.RunJob(ctx, "juki-daily")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		r, err := c.Run(ctx, run.ID)
		return err == nil && r.State.Finished()
	}, time.Minute, 100*time.Millisecond)

	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)
	for _, path := range []string{"/v1/status", "/v1/media", "/v1/runs", "/v1/runs/" + itoa(run.ID), "/v1/drives", "/v1/jobs",
		"/v1/audit", "/v1/manifests", "/v1/prompts?all=true", "/v1/drills", "/v1/drives/lto0/history"} {
		body, err := c.Raw(ctx, path)
		require.NoError(t, err, path)
		var doc any
		require.NoError(t, json.Unmarshal(body, &doc), path)
		keys := map[string]string{}
		objectKeys(doc, path, keys)
		for where, k := range keys {
			assert.Regexp(t, snake, k, "key at %s", where)
		}
		var values []string
		stringValues(doc, &values)
		for _, s := range values {
			if stamp.MatchString(s) {
				assert.True(t, strings.HasSuffix(s, zone), "%s: time %s is not in the configured zone (%s)", path, s, zone)
			}
		}
	}

	body, err := c.Raw(ctx, "/v1/runs/"+itoa(run.ID))
	require.NoError(t, err)
	var shown struct {
		Log []map[string]any `json:"log"`
	}
	require.NoError(t, json.Unmarshal(body, &shown))
	require.NotEmpty(t, shown.Log, "the run log is a list of lines")
	assert.Contains(t, shown.Log[0], "at")
	assert.NotContains(t, shown.Log[0]["text"], "\n")

	body, err = c.Raw(ctx, "/v1/drives")
	require.NoError(t, err)
	var drvs []map[string]any
	require.NoError(t, json.Unmarshal(body, &drvs))
	elements := map[string]any{}
	for _, d := range drvs {
		if d["library"] != nil {
			require.Contains(t, d, "element", "drive %v", d["name"])
			elements[d["name"].(string)] = d["element"]
		} else {
			assert.NotContains(t, d, "element", "a standalone drive has no element")
		}
	}
	assert.Contains(t, elements, "lto0")
	assert.Contains(t, []any{float64(0)}, elements["lto0"], "the demo library's first drive is element 0")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
