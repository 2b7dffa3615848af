package web

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
