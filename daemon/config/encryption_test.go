package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// withDailyPool returns the demo configuration with extra lines added to
// the daily pool (indented as its keys), and the line the first one is on.
func withDailyPool(t *testing.T, lines ...string) ([]byte, int) {
	t.Helper()
	demo := demoWithoutEncryption(t)
	anchor := "    offsite: {keep: 1, site: hill-annex, transit_days: 0}\n"
	i := strings.Index(demo, anchor)
	require.GreaterOrEqual(t, i, 0, "the demo's daily pool changed; update this test")
	line := strings.Count(demo[:i+len(anchor)], "\n") + 1
	return []byte(demo[:i+len(anchor)] + strings.Join(lines, "\n") + "\n" + demo[i+len(anchor):]), line
}

// demoWithoutEncryption is the demo configuration with the daily pool's
// encryption lines taken out, for tests that set their own.
func demoWithoutEncryption(t *testing.T) string {
	t.Helper()
	demo := string(DemoYAML())
	start := strings.Index(demo, "    encryption: age\n")
	end := strings.Index(demo, "    restore_identity_file: /var/lib/tapewarden/demo-ict.key\n")
	require.True(t, start > 0 && end > start, "the demo's daily pool changed; update this test")
	return demo[:start] + demo[end+len("    restore_identity_file: /var/lib/tapewarden/demo-ict.key\n"):]
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
	assert.False(t, cfg.Pool("dat").Encrypted())
	assert.Equal(t, "none", cfg.Pool("dat").Encryption)
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
	demo := strings.Replace(string(DemoYAML()), "    confidentiality: 2\n", "", 1)
	i := strings.Index(demo, "    availability: ")
	require.GreaterOrEqual(t, i, 0)
	cfg, err := ParseConfig("t.yaml", []byte(demo[:i]+"    confidentiality: 2\n"+demo[i:]))
	require.NoError(t, err)
	assert.Equal(t, 2, cfg.Systems[0].Confidentiality)
	_, err = ParseConfig("t.yaml", []byte(demo[:i]+"    confidentiality: 3\n"+demo[i:]))
	require.ErrorContains(t, err, "3 is not a confidentiality class; expected 1 or 2")
}

func itoaTest(n int) string { return strconv.Itoa(n) }

// TestDemoKey: the demo makes its own key in its state directory at the
// first start (mode 0600) and keeps it; its encrypted pools go to that key
// and the escrow key; without a state directory the key is made in memory
// only; a key others may read is refused.
func TestDemoKey(t *testing.T) {
	dir := t.TempDir()
	cfg, err := DemoConfig(dir)
	require.NoError(t, err)
	key := filepath.Join(dir, DemoKeyName)
	fi, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	ids, err := archive.ReadIdentityFile(key)
	require.NoError(t, err)
	mine := ids.X25519()[0].Recipient().String()
	for _, name := range []string{"daily", "monthly"} {
		p := cfg.Pool(name)
		require.True(t, p.Encrypted(), name)
		rs := p.RecipientStrings()
		require.Len(t, rs, 2, name)
		assert.Equal(t, mine, rs[0], "%s: the demo key first", name)
		assert.Equal(t, key, p.RestoreIdentityFile)
	}
	assert.False(t, cfg.Pool("dat").Encrypted())

	again, err := DemoConfig(dir)
	require.NoError(t, err)
	assert.Equal(t, mine, again.Pool("daily").RecipientStrings()[0], "the key is kept")

	nowhere := filepath.Join(t.TempDir(), "nonexistent")
	cfg, err = DemoConfig(nowhere)
	require.NoError(t, err)
	assert.Len(t, cfg.Pool("daily").RecipientStrings(), 2)
	assert.NoDirExists(t, nowhere)

	require.NoError(t, os.Chmod(key, 0o644))
	_, err = DemoConfig(dir)
	require.ErrorIs(t, err, archive.ErrBadIdentity)
	assert.Contains(t, err.Error(), "chmod 600")
}
