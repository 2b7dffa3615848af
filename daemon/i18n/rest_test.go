package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/rotation"
)

// checkKinds are the kinds of thing a policy finding is about (rotation's
// about: `pool "daily"`).
var checkKinds = []string{"pool", "site", "system", "drive", "manifest", "place"}

// TestCheckFindingsAreRotations holds the catalogue's check.* texts to
// rotation's sources: every key rotation names with its English format is
// in the catalogue with that English to the byte, and the catalogue has
// no check.* text rotation no longer gives.
func TestCheckFindingsAreRotations(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "rotation", "*.go"))
	require.NoError(t, err)
	given := map[string]string{}
	for _, k := range checkKinds {
		given["check.subject."+k] = k + " %q"
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			// A key and its format side by side: a call's arguments, or
			// the values of an assignment (key, format := ...).
			var list []ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				list = n.Args
			case *ast.AssignStmt:
				list = n.Rhs
			}
			for i := 0; i+1 < len(list); i++ {
				key, kok := stringLit(list[i])
				format, fok := stringLit(list[i+1])
				if kok && fok && strings.HasPrefix(key, "check.") {
					given[key] = format
				}
			}
			return true
		})
	}
	require.Greater(t, len(given), 40, "rotation's findings are found")
	for key, format := range given {
		e, ok := texts[key]
		if assert.True(t, ok, "key %s is not in the catalogue", key) {
			assert.Equal(t, format, e.en, key)
		}
	}
	for _, m := range restMessages {
		if strings.HasPrefix(m.id, "check.") {
			_, ok := given[m.id]
			assert.True(t, ok, "the catalogue has %s, which rotation no longer gives", m.id)
		}
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// A list of words is joined as rotation writes it in English, and with
// the Japanese comma in Japanese.
func TestReasonListArgument(t *testing.T) {
	r := rotation.Reason{Key: "check.place.move", Message: "move them to annex/safe or honcho/safe ('tapewarden media move BARCODE --to annex/safe')",
		Args: []any{rotation.List{Items: []any{"annex/safe", "honcho/safe"}, Join: rotation.JoinOr}, "annex/safe"}}
	assert.Equal(t, r.Message, NewPrinter(English, nil).Reason(r))
	assert.Equal(t, "annex/safe または honcho/safe に移してください（'tapewarden media move BARCODE --to annex/safe'）", NewPrinter(Japanese, nil).Reason(r))
}

// The classes of a system's data in a storage finding are told in
// Japanese too.
func TestReasonListOfReasons(t *testing.T) {
	classes := rotation.List{Items: []any{
		rotation.Reason{Key: "check.class.confidentiality", Message: "confidentiality 2", Args: []any{2}},
		rotation.Reason{Key: "check.class.availability_n", Message: "availability 2", Args: []any{2}},
	}}
	r := rotation.Reason{Key: "check.place.data", Message: "juki (confidentiality 2, availability 2)", Args: []any{"juki", classes}}
	assert.Equal(t, r.Message, NewPrinter(English, nil).Reason(r))
	assert.Equal(t, "juki（区分：機密性 2、可用性 2）", NewPrinter(Japanese, nil).Reason(r))
}
