package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// wantRoles is who may use each route besides admin, written out apart
// from the route table: O operator, A auditor, V viewer, C courier (its
// own manifest only); "-" is admin only. A route missing here, or one
// whose table allows more, fails TestRoleMatrix.
var wantRoles = map[string]string{
	"GET /v1/status":                       "OAV",
	"GET /metrics":                         "OAV",
	"GET /v1/sites":                        "OA",
	"GET /v1/media":                        "OA",
	"POST /v1/media":                       "O",
	"GET /v1/media/{barcode}":              "OA",
	"POST /v1/media/{barcode}/move":        "O",
	"POST /v1/media/{barcode}/retire":      "-",
	"POST /v1/media/{barcode}/found":       "O",
	"POST /v1/media/{barcode}/erase":       "-",
	"POST /v1/media/{barcode}/dispose":     "-",
	"GET /v1/manifests":                    "OA",
	"POST /v1/manifests":                   "O",
	"POST /v1/manifests/from-plan":         "O",
	"GET /v1/manifests/{id}":               "OAC",
	"POST /v1/manifests/{id}/pickup":       "OC",
	"POST /v1/manifests/{id}/deliver":      "OC",
	"POST /v1/manifests/{id}/resolve":      "-",
	"POST /v1/manifests/{id}/cancel":       "-",
	"POST /v1/manifests/{id}/courier-code": "O",
	"GET /v1/drives":                       "OA",
	"GET /v1/drives/{name}":                "OA",
	"POST /v1/drives/{name}/identify":      "O",
	"POST /v1/drives/{name}/insert":        "O",
	"POST /v1/drives/{name}/eject":         "O",
	"POST /v1/drives/{name}/clean":         "O",
	"GET /v1/drives/{name}/history":        "OA",
	"POST /v1/library/inventory":           "O",
	"POST /v1/library/load":                "O",
	"POST /v1/library/unload":              "O",
	"POST /v1/library/transfer":            "O",
	"POST /v1/library/export":              "O",
	"POST /v1/library/import":              "O",
	"POST /v1/library/mailslot":            "O",
	"GET /v1/check":                        "OA",
	"GET /v1/jobs":                         "OA",
	"POST /v1/jobs/{name}/run":             "O",
	"GET /v1/runs":                         "OA",
	"GET /v1/runs/{id}":                    "OA",
	"POST /v1/runs/{id}/cancel":            "O",
	"GET /v1/prompts":                      "OA",
	"POST /v1/prompts/{id}/done":           "O",
	"POST /v1/prompts/{id}/cancel":         "O",
	"POST /v1/restore":                     "O",
	"POST /v1/key/check":                   "-",
	"GET /v1/restore/list":                 "OA",
	"GET /v1/find":                         "OA",
	"GET /v1/drills":                       "OA",
	"GET /v1/operations":                   "OA",
	"GET /v1/operations/{id}":              "OA",
	"POST /v1/operations/{id}/cancel":      "O",
	"GET /v1/courier/plan":                 "OA",
	"GET /v1/rotation/calendar":            "OA",
	"GET /v1/policy/check":                 "OA",
	"POST /v1/policy/check":                "OA",
	"GET /v1/swap-list":                    "OA",
	"GET /v1/inspections":                  "OA",
	"POST /v1/inspections":                 "O",
	"GET /v1/inspections/{id}":             "OA",
	"POST /v1/inspections/{id}/scan":       "O",
	"POST /v1/inspections/{id}/close":      "O",
	"POST /v1/inspections/{id}/resolve":    "-",
	"GET /v1/reports/disposals":            "OA",
	"POST /v1/catalog/copy":                "-",
	"GET /v1/reports/recovery-sheet":       "OA",
	"GET /v1/reports/procedure":            "OA",
	"POST /v1/drills/site-loss":            "O",
	"GET /v1/audit":                        "OA",
	"GET /v1/audit/verify":                 "OA",
	"GET /v1/users":                        "-",
	"POST /v1/users":                       "-",
	"POST /v1/users/{name}/disable":        "-",
	"POST /v1/users/{name}/enable":         "-",
	"POST /v1/users/{name}/tokens":         "-",
	"GET /v1/tokens":                       "-",
	"POST /v1/tokens/{id}/revoke":          "-",
}

var roleLetters = map[auth.Role]string{auth.Operator: "O", auth.Auditor: "A", auth.Viewer: "V", auth.Courier: "C"}

// TestRoleMatrix builds the role × route × method matrix from the route
// table and compares it with wantRoles: no route without a declared role,
// no role allowed where it is not expected, none refused where it is.
// The auditor and the viewer never change anything: every route they may
// use is a GET, but the policy check of a proposed configuration.
func TestRoleMatrix(t *testing.T) {
	table := (&Server{}).routeTable()
	seen := map[string]bool{}
	for _, rt := range table {
		require.False(t, seen[rt.pattern], "route %s is in the table twice", rt.pattern)
		seen[rt.pattern] = true
		if !assert.NotEmpty(t, rt.roles, "route %s declares no role", rt.pattern) {
			continue
		}
		want, ok := wantRoles[rt.pattern]
		if !assert.True(t, ok, "route %s is not in wantRoles: say who may use it", rt.pattern) {
			continue
		}
		assert.True(t, auth.Permits(auth.Admin, rt.roles), "admin may use %s", rt.pattern)
		method, _, _ := strings.Cut(rt.pattern, " ")
		for _, role := range []auth.Role{auth.Operator, auth.Auditor, auth.Viewer, auth.Courier} {
			allowed := auth.Permits(role, rt.roles)
			expected := strings.Contains(want, roleLetters[role])
			assert.Equal(t, expected, allowed, "%s for %s: the table allows it: %v, wantRoles says %v", rt.pattern, role, allowed, expected)
			if allowed && (role == auth.Auditor || role == auth.Viewer) && rt.pattern != "POST /v1/policy/check" {
				assert.Equal(t, http.MethodGet, method, "%s may change something, yet %s may use it", rt.pattern, role)
			}
		}
	}
	for p := range wantRoles {
		assert.True(t, seen[p], "wantRoles lists %s, which the route table no longer has", p)
	}
}

// TestPermitRefusesUndeclaredAndOtherManifests: a route with no roles
// serves nobody, not even an admin; a courier reaches only its manifest.
func TestPermitRefusesUndeclaredAndOtherManifests(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/v1/manifests/M-2", nil)
	r.SetPathValue("id", "M-2")
	err := permit(route{pattern: "GET /v1/manifests/{id}"}, r, media.Actor{Name: "root", Role: "admin"})
	require.ErrorIs(t, err, auth.ErrForbidden)
	assert.Contains(t, err.Error(), "declares no role")

	rt := route{pattern: "GET /v1/manifests/{id}", roles: manifestReaders}
	courier := media.Actor{Name: "yamada [M-1]", Role: "courier"}
	err = permit(rt, r, courier)
	require.ErrorIs(t, err, auth.ErrForbidden)
	assert.Contains(t, err.Error(), "for manifest M-1 only, not M-2")
	r.SetPathValue("id", "M-1")
	require.NoError(t, permit(rt, r, courier))
	// A courier role without a bound manifest reaches nothing.
	require.ErrorIs(t, permit(rt, r, media.Actor{Name: "yamada", Role: "courier"}), auth.ErrForbidden)

	err = permit(route{pattern: "POST /v1/catalog/copy", roles: adminOnly}, r, media.Actor{Name: "tanaka", Role: "operator"})
	require.ErrorIs(t, err, auth.ErrForbidden)
	assert.Equal(t, "auth: not allowed: POST /v1/catalog/copy needs the role admin; tanaka is operator", err.Error())
	status, kind := statusOf(err)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, "forbidden", kind)
}
