package config

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// identityPrefix starts every age identity (secret key) in its text form.
const identityPrefix = "AGE-SECRET-KEY-"

// identityRE matches an age X25519 identity in its text form (Bech32,
// any case), anywhere on a line: in a value, a comment or a key.
var identityRE = regexp.MustCompile(`(?i)AGE-SECRET-KEY-1[0-9a-z]{50,}`)

// findIdentity returns the line of the first age identity in a
// configuration file's text, or 0. Identities are never accepted in the
// configuration: the daemon needs only public recipients to write, and a
// secret key in a configuration file would open every tape.
func findIdentity(data []byte) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if identityRE.Match(line) {
			return i + 1
		}
	}
	return 0
}

// identityError is the error for a configuration holding an identity; it
// never repeats the identity.
func identityError(file string, line int) ConfigErrors {
	return ConfigErrors{&ConfigError{File: file, Line: line, Msg: "this line holds an age identity (AGE-SECRET-KEY-1…, a secret key): identities are never accepted in the configuration. " +
		"Remove it (and consider the key exposed: generate a new one with 'tapewarden key generate'), give the pool its public recipient (age1…) under recipients:, " +
		"and for restores use 'tapewarden restore --identity FILE' or restore_identity_file: pointing at a file readable only by the daemon's user"}}
}

// encryption checks a pool's encryption, recipients and identity file.
// A recipient that does not parse is reported at its own line; an
// identity is never repeated in the message.
func (v *validator) encryption(p PoolConfig, f string) {
	line := p.Line
	if l, ok := p.KeyLines["encryption"]; ok {
		line = l
	}
	switch p.Encryption {
	case "age":
		if len(p.Recipients) == 0 {
			v.fail(line, f+".recipients", "encryption: age needs at least one recipient (an age1… public key; 'tapewarden key generate' prints one), better two: the ICT department's and an escrow key")
		}
	case "none":
		if len(p.Recipients) > 0 {
			l := line
			if kl, ok := p.KeyLines["recipients"]; ok {
				l = kl
			}
			v.fail(l, f+".recipients", "recipients are given but encryption is none; add 'encryption: age' or remove the recipients")
		}
		if p.RestoreIdentityFile != "" {
			l := line
			if kl, ok := p.KeyLines["restore_identity_file"]; ok {
				l = kl
			}
			v.fail(l, f+".restore_identity_file", "is given but encryption is none; add 'encryption: age' with recipients or remove it")
		}
	default:
		v.fail(line, f+".encryption", "%q is not an encryption; expected none or age", p.Encryption)
	}
	seen := map[string]int{}
	for i, r := range p.Recipients {
		rf := f + ".recipients[" + strconv.Itoa(i) + "]"
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(r.Value)), identityPrefix) {
			v.fail(r.Line, rf, "this is an age identity (a secret key), not a recipient: never put an identity in the configuration; give its public recipient (age1…, printed by 'tapewarden key generate' or 'age-keygen -y KEYFILE') and keep the identity offline")
			continue
		}
		if _, err := archive.ParseRecipient(r.Value); err != nil {
			msg := err.Error()
			if !errors.Is(err, archive.ErrBadRecipient) {
				msg = "not an age recipient"
			}
			v.fail(r.Line, rf, "%s; expected an X25519 age recipient (age1…)", msg)
			continue
		}
		fp := archive.Fingerprint(r.Value)
		if first, dup := seen[fp]; dup {
			v.fail(r.Line, rf, "recipient %s is given twice (first at line %d)", fp, first)
		}
		seen[fp] = r.Line
	}
	if p.RestoreIdentityFile != "" {
		l := line
		if kl, ok := p.KeyLines["restore_identity_file"]; ok {
			l = kl
		}
		if !filepath.IsAbs(p.RestoreIdentityFile) {
			v.fail(l, f+".restore_identity_file", "%q must be an absolute path to an identity file readable only by the daemon's user", p.RestoreIdentityFile)
		}
	}
}
