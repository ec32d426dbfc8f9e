// Command jwtsign signs the RS256 token of the load benchmark's JWT scenario
// (bench/run.sh) with a PEM private key and prints it on stdout.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func main() {
	keyFile := flag.String("key", "", "PEM file of the RSA private key (PKCS #1 or #8)")
	kid := flag.String("kid", "", "key id written in the token header")
	issuer := flag.String("issuer", "", "iss claim")
	audience := flag.String("audience", "", "aud claim")
	subject := flag.String("subject", "", "sub claim")
	groups := flag.String("groups", "", "comma-separated groups claim")
	ttl := flag.Duration("ttl", 24*time.Hour, "how long the token is valid")
	flag.Parse()
	if *keyFile == "" || *issuer == "" || *audience == "" || *subject == "" {
		log.Fatal("jwtsign: -key, -issuer, -audience and -subject are required")
	}

	pem, err := os.ReadFile(*keyFile)
	if err != nil {
		log.Fatalf("jwtsign: %v", err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		log.Fatalf("jwtsign: %s: %v", *keyFile, err)
	}
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": *issuer,
		"aud": *audience,
		"sub": *subject,
		"iat": now.Unix(),
		"nbf": now.Add(-time.Minute).Unix(),
		"exp": now.Add(*ttl).Unix(),
	}
	if *groups != "" {
		claims["groups"] = strings.Split(*groups, ",")
	}
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if *kid != "" {
		token.Header["kid"] = *kid
	}
	signed, err := token.SignedString(key)
	if err != nil {
		log.Fatalf("jwtsign: %v", err)
	}
	fmt.Println(signed)
}
