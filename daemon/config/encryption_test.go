package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withDailyPool returns the demo configuration with extra lines added to
// the daily pool (indented as its keys), and the line the first one is on.
func withDailyPool(t *testing.T, lines ...string) ([]byte, int) {
	t.Helper()
	demo := string(DemoYAML())
	anchor := "    offsite: {keep: 1, site: hill-annex, transit_days: 0}\n"
	i := strings.Index(demo, anchor)
	require.GreaterOrEqual(t, i, 0, "the demo's daily pool changed; update this test")
	line := strings.Count(demo[:i+len(anchor)], "\n") + 1
	return []byte(demo[:i+len(anchor)] + strings.Join(lines, "\n") + "\n" + demo[i+len(anchor):]), line
}

func newRecipient(t *testing.T) (recipient, identity string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	return id.Recipient().String(), id.String()
}

func TestPoolEncryption(t *testing.T) {
	r1, _ := newRecipient(t)
	r2, _ := newRecipient(t)
	data, _ := withDailyPool(t, "    encryption: age", "    recipients:", "      - "+r1, "      - "+r2,
		"    restore_identity_file: /etc/tapewarden/restore.key")
	cfg, err := ParseConfig("t.yaml", data)
	require.NoError(t, err)
	p := cfg.Pool("daily")
	assert.True(t, p.Encrypted())
	assert.Equal(t, []string{r1, r2}, p.RecipientStrings())
	assert.Equal(t, "/etc/tapewarden/restore.key", p.RestoreIdentityFile)
	assert.False(t, cfg.Pool("monthly").Encrypted())
	assert.Equal(t, "none", cfg.Pool("monthly").Encryption)
}

func TestPoolEncryptionErrorsNameTheLine(t *testing.T) {
	r1, _ := newRecipient(t)
	data, line := withDailyPool(t, "    encryption: age", "    recipients:", "      - "+r1, "      - age1notarecipient", "      - "+r1)
	_, err := ParseConfig("t.yaml", data)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrConfig))
	msg := err.Error()
	assert.Contains(t, msg, "t.yaml:"+itoaTest(line+3)+": pools[0].recipients[1]: ")
	assert.Contains(t, msg, "not an age X25519 recipient")
	assert.Contains(t, msg, "t.yaml:"+itoaTest(line+4)+": pools[0].recipients[2]: recipient ")
	assert.Contains(t, msg, "given twice (first at line "+itoaTest(line+2)+")")

	data, line = withDailyPool(t, "    encryption: age")
	_, err = ParseConfig("t.yaml", data)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "t.yaml:"+itoaTest(line)+": pools[0].recipients: encryption: age needs at least one recipient")

	data, _ = withDailyPool(t, "    encryption: aes")
	_, err = ParseConfig("t.yaml", data)
	require.ErrorContains(t, err, `"aes" is not an encryption; expected none or age`)

	data, _ = withDailyPool(t, "    recipients: ["+r1+"]")
	_, err = ParseConfig("t.yaml", data)
	require.ErrorContains(t, err, "recipients are given but encryption is none")

	data, _ = withDailyPool(t, "    restore_identity_file: /etc/tapewarden/restore.key")
	_, err = ParseConfig("t.yaml", data)
	require.ErrorContains(t, err, "restore_identity_file: is given but encryption is none")

	data, _ = withDailyPool(t, "    encryption: age", "    recipients: ["+r1+"]", "    restore_identity_file: restore.key")
	_, err = ParseConfig("t.yaml", data)
	require.ErrorContains(t, err, "must be an absolute path")
}

// An identity is refused wherever it appears, and never repeated.
func TestConfigRefusesIdentities(t *testing.T) {
	_, id := newRecipient(t)
	secret := strings.TrimPrefix(id, "AGE-SECRET-KEY-")
	for name, lines := range map[string][]string{
		"as a recipient":  {"    encryption: age", "    recipients:", "      - " + id},
		"lower case":      {"    encryption: age", "    recipients:", "      - " + strings.ToLower(id)},
		"under a new key": {"    identity: " + id},
		"in a comment":    {"    # key: " + id},
	} {
		t.Run(name, func(t *testing.T) {
			data, line := withDailyPool(t, lines...)
			at := line + len(lines) - 1
			_, err := ParseConfig("t.yaml", data)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrConfig))
			assert.Contains(t, err.Error(), "t.yaml:"+itoaTest(at)+": this line holds an age identity")
			assert.NotContains(t, strings.ToUpper(err.Error()), strings.ToUpper(secret))
		})
	}
	// Naming the prefix in a comment is not an identity.
	data, _ := withDailyPool(t, "    # never put an AGE-SECRET-KEY-... here")
	_, err := ParseConfig("t.yaml", data)
	require.NoError(t, err)
}

func TestSystemConfidentiality(t *testing.T) {
	demo := string(DemoYAML())
	i := strings.Index(demo, "    availability: ")
	require.GreaterOrEqual(t, i, 0)
	cfg, err := ParseConfig("t.yaml", []byte(demo[:i]+"    confidentiality: 2\n"+demo[i:]))
	require.NoError(t, err)
	assert.Equal(t, 2, cfg.Systems[0].Confidentiality)
	_, err = ParseConfig("t.yaml", []byte(demo[:i]+"    confidentiality: 3\n"+demo[i:]))
	require.ErrorContains(t, err, "3 is not a confidentiality class; expected 1 or 2")
}

func itoaTest(n int) string { return strconv.Itoa(n) }
