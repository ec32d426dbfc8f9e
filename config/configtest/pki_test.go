package configtest_test

import (
	"crypto/x509"
	"testing"

	"github.com/esguard/esguard/config/configtest"
)

func TestIssuedCertificatesVerify(t *testing.T) {
	t.Parallel()
	ca := configtest.NewCA(t, "test CA")
	roots := ca.Pool()
	server := ca.Server(t, "127.0.0.1", "es-node.test")
	for _, name := range []string{"127.0.0.1", "es-node.test"} {
		if _, err := server.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("server certificate for %s: %v", name, err)
		}
	}
	if _, err := server.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.test"}); err == nil {
		t.Error("the server certificate verifies for a name it does not carry")
	}
	client := ca.Client(t, "esguard")
	if _, err := client.Leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := client.Leaf.Verify(x509.VerifyOptions{Roots: configtest.NewCA(t, "other").Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("a certificate verifies against another CA")
	}
	pair := server.TLS(t)
	if pair.Leaf == nil || pair.Leaf.SerialNumber.Cmp(server.Leaf.SerialNumber) != 0 {
		t.Error("TLS returns another certificate")
	}
	if again := ca.Server(t, "127.0.0.1"); again.Leaf.SerialNumber.Cmp(server.Leaf.SerialNumber) == 0 {
		t.Error("two certificates share a serial number")
	}
}
