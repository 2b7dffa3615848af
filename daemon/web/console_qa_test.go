package web

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// go on trying and only lengthen the wait.
func TestThrottledSignInSaysHowLongToWait(t *testing.T) {
	f := startConsole(t, "ja")
	f.accounts.refuse = fmt.Errorf("sign in: %w", &auth.ThrottledError{RetryAfter: 90 * time.Second, What: "account operator"})
	b := f.browser()
	res, body := b.post("/login", url.Values{"user": {"operator"}, "password": {"operator-pw"}}, nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "90", res.Header.Get("Retry-After"))
	assert.Contains(t, body, "2 分後にもう一度試す")
	assert.Empty(t, res.Header.Get("Set-Cookie"))

	res, body = b.post("/c/login", url.Values{"code": {"C0DE"}, "pin": {"1234"}}, nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "90", res.Header.Get("Retry-After"))
	assert.Contains(t, body, "2 分後にもう一度試す")

	f.accounts.refuse = nil
	res, body = b.post("/login", url.Values{"user": {"operator"}, "password": {"wrong"}}, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a wrong password is not a throttled one")
	assert.Empty(t, res.Header.Get("Retry-After"))
	assert.Contains(t, body, "ユーザー名またはパスワードが違う")
}

// discrepancy, a finding's severity.
func TestCatalogCodesInThePagesLanguage(t *testing.T) {
	f := startConsole(t, "ja")
	m := f.manifest("yamada", "DLY001L8", "DLY002L8")
	_, err := f.cat.Pickup(f.ctx, operator, m.ID, media.Handover{Courier: "yamada", Barcodes: []string{"DLY001L8"}, AcceptDiscrepancies: true, Reasons: map[string]string{"DLY002L8": "not found on the shelf"}})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)

	res, body := op.get("/ops/manifests/" + m.ID + "/print")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<td>集荷済</td>")
	assert.Contains(t, body, "<td>不足</td>")
	assert.NotContains(t, body, "<td>picked-up</td>")
	assert.NotContains(t, body, "<td>missing</td>")

	res, body = op.get("/audit")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<td>搬送票作成</td>")
	assert.Contains(t, body, "<td>集荷</td>")
	assert.NotContains(t, body, "<td>manifest-created</td>")
	assert.Contains(t, body, "不足 (集荷時)", "the discrepancy and its phase")
	assert.NotContains(t, body, "missing (pickup)")
	assert.Contains(t, body, "<strong>警告</strong>", "the policy finding's severity")
	assert.NotContains(t, body, "<strong>warning</strong>")
}
