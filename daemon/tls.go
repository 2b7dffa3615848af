package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// selfSignedValidity is how long the generated certificate is valid.
const selfSignedValidity = 5 * 365 * 24 * time.Hour

// certificate is the TCP listener's certificate, with what the status
// shows of it.
type certificate struct {
	cert        tls.Certificate
	fingerprint string
	selfSigned  bool
	certFile    string
}

// tlsPaths are where the self-signed certificate and key are kept.
func (d *Daemon) tlsPaths() (cert, key string) {
	dir := filepath.Join(d.cfg.StateDir, "tls")
	return filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
}

// loadCertificate reads the configured certificate and key, or the
// self-signed pair in the state directory, making it on first start.
func (d *Daemon) loadCertificate() (certificate, error) {
	certFile, keyFile := d.cfg.API.TLSCert, d.cfg.API.TLSKey
	self := certFile == ""
	if self {
		certFile, keyFile = d.tlsPaths()
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if err := d.makeSelfSigned(certFile, keyFile); err != nil {
				return certificate{}, fmt.Errorf("make a self-signed certificate for api.listen in %s: %w", filepath.Dir(certFile), err)
			}
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		what := "api.tls_cert and api.tls_key"
		if self {
			what = "the self-signed certificate (remove " + filepath.Dir(certFile) + " to make a new one)"
		}
		return certificate{}, fmt.Errorf("load %s: %w", what, err)
	}
	sum := sha256.Sum256(pair.Certificate[0])
	return certificate{cert: pair, fingerprint: fingerprintText(sum[:]), selfSigned: self, certFile: certFile}, nil
}

// fingerprintText writes a digest as browsers show it: upper-case hex
// pairs separated by colons.
func fingerprintText(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	pairs := make([]string, 0, len(h)/2)
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// makeSelfSigned writes an ECDSA P-256 key and a certificate for this
// host's names and the listener's address, both readable by the daemon's
// user only.
func (d *Daemon) makeSelfSigned(certFile, keyFile string) error {
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	hostname, _ := os.Hostname()
	names := []string{"localhost"}
	if hostname != "" && hostname != "localhost" {
		names = append(names, hostname)
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if h, _, err := net.SplitHostPort(d.cfg.API.Listen); err == nil && h != "" {
		if ip := net.ParseIP(h); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
			ips = append(ips, ip)
		} else if ip == nil && h != "localhost" && h != hostname {
			names = append(names, h)
		}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "tapewarden " + hostname, Organization: []string{"tapewarden (self-signed)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(keyFile, "PRIVATE KEY", keyDER); err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		_ = os.Remove(keyFile) // half a pair is no use; the write error is the one returned
		return err
	}
	d.log.Info("made a self-signed certificate for the HTTPS listener", "cert", certFile, "names", strings.Join(names, ","))
	return nil
}

// writePEM writes one PEM block to a new file, mode 0600, durably.
func writePEM(path, kind string, der []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: kind, Bytes: der}); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
