package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"time"
)

// loadListenerTLS checks the tls section and loads its certificate, key and client CAs
// into s. Every file it reads becomes one of the snapshot's files, so a renewed
// certificate triggers a reload when reload.watch is on.
func loadListenerTLS(c collector, t *TLS, at func(string) int, resolve func(string) string, s *Snapshot) {
	if t.Cert == "" || t.Key == "" {
		c.errorf(at("tls"), "tls: set both cert and key")
		return
	}
	t.Cert, t.Key = resolve(t.Cert), resolve(t.Key)
	s.Files = append(s.Files, absPath(t.Cert), absPath(t.Key))
	s.TLSCertificate = loadKeyPair(c, "tls", t.Cert, t.Key, at)

	switch t.MinVersion {
	case "", "1.2":
		s.TLSMinVersion = tls.VersionTLS12
	case "1.3":
		s.TLSMinVersion = tls.VersionTLS13
	case "1.0", "1.1":
		c.errorf(at("tls.min_version"), "tls.min_version [%s] is below 1.2, the lowest version esguard accepts", t.MinVersion)
	default:
		c.errorf(at("tls.min_version"), "tls.min_version [%s] is not one of 1.2, 1.3", t.MinVersion)
	}

	switch t.ClientAuth {
	case "", "none":
		s.TLSClientAuth = tls.NoClientCert
	case "optional":
		s.TLSClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		s.TLSClientAuth = tls.RequireAndVerifyClientCert
	default:
		c.errorf(at("tls.client_auth"), "tls.client_auth [%s] is not one of none, optional, required", t.ClientAuth)
	}
	if t.ClientCA != "" {
		t.ClientCA = resolve(t.ClientCA)
		s.Files = append(s.Files, absPath(t.ClientCA))
		s.TLSClientCAs = loadCertPool(c, "tls.client_ca", t.ClientCA, at)
	}
	switch {
	case s.TLSClientAuth != tls.NoClientCert && t.ClientCA == "":
		// Without its own CAs, crypto/tls would accept client certificates of any
		// public CA the system trusts.
		c.errorf(at("tls.client_auth"), "tls.client_auth [%s] needs tls.client_ca, the CAs that sign client certificates", t.ClientAuth)
	case t.ClientCA != "" && s.TLSClientAuth == tls.NoClientCert:
		c.warnf(at("tls.client_ca"), "tls.client_ca is set but tls.client_auth is none: client certificates are not asked for")
	}
}

// buildUpstreamTLS checks the upstream TLS settings and builds the one client TLS
// configuration of every connection esguard opens to https nodes (forwarded requests,
// cluster metadata, API keys, readiness). It returns nil when the nodes are http.
func buildUpstreamTLS(c collector, up *Upstream, at func(string) int, resolve func(string) string, s *Snapshot) *tls.Config {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if up.CA != "" {
		up.CA = resolve(up.CA)
		s.Files = append(s.Files, absPath(up.CA))
		conf.RootCAs = loadCertPool(c, "upstream.ca", up.CA, at)
	}
	switch {
	case up.Cert != "" && up.Key != "":
		up.Cert, up.Key = resolve(up.Cert), resolve(up.Key)
		s.Files = append(s.Files, absPath(up.Cert), absPath(up.Key))
		if cert := loadKeyPair(c, "upstream", up.Cert, up.Key, at); cert != nil {
			conf.Certificates = []tls.Certificate{*cert}
		}
	case up.Cert != "" || up.Key != "":
		c.errorf(at("upstream"), "upstream: set both cert and key, or neither")
	}
	if n := up.ServerName; n != "" && strings.ContainsAny(n, ":/ ") {
		c.errorf(at("upstream.server_name"), "upstream.server_name [%s] is a host name, without scheme or port", n)
	}
	conf.ServerName = up.ServerName

	https := false
	for _, n := range up.Nodes {
		https = https || strings.HasPrefix(strings.ToLower(n), "https://")
	}
	if !https {
		if up.CA != "" || up.Cert != "" || up.Key != "" || up.ServerName != "" {
			c.warnf(at("upstream"), "upstream: ca, cert, key and server_name apply to https nodes, and every node is http")
		}
		return nil
	}
	return conf
}

// loadKeyPair reads a certificate chain and its private key. section names the
// configuration section in messages ("tls", "upstream"); a problem with the chain is
// reported on the cert line, one with the key on the key line.
func loadKeyPair(c collector, section, certFile, keyFile string, at func(string) int) *tls.Certificate {
	certLine, keyLine := at(section+".cert"), at(section+".key")
	chain, certPEM, err := readCertificates(certFile)
	if err != nil {
		c.errorf(certLine, "%s.cert: %v", section, err)
		return nil
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		c.errorf(keyLine, "%s.key: %v", section, err)
		return nil
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		c.errorf(keyLine, "%s.key [%s] cannot be used with %s.cert [%s]: %s", section, keyFile, section, certFile, strings.TrimPrefix(err.Error(), "tls: "))
		return nil
	}
	leaf := chain[0]
	now := time.Now()
	switch {
	case now.After(leaf.NotAfter):
		c.warnf(certLine, "%s.cert [%s] expired on %s", section, certFile, leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		c.warnf(certLine, "%s.cert [%s] is not valid before %s", section, certFile, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return &pair
}

// loadCertPool reads a PEM bundle of CA certificates into a pool.
func loadCertPool(c collector, key, file string, at func(string) int) *x509.CertPool {
	certs, _, err := readCertificates(file)
	if err != nil {
		c.errorf(at(key), "%s: %v", key, err)
		return nil
	}
	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool
}

// readCertificates reads and parses the PEM certificates of a file, which must hold at
// least one. It returns them with the file's content.
func readCertificates(file string) ([]*x509.Certificate, []byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("[%s]: certificate %d: %w", file, len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, nil, fmt.Errorf("[%s] holds no PEM certificate", file)
	}
	return certs, data, nil
}
