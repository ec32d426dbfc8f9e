package privileges

import (
	"fmt"
	"strings"
)

// Flavours lists the privilege models esguard implements, newest first. Each names a
// catalogue (CatalogueFor) and a route table of the same name in package routes.
var Flavours = []string{"9", "8", "serverless", "shield2", "shield1"}

// CatalogueFor returns the shared catalogue of a flavour, built on first use.
func CatalogueFor(flavour string) (*Catalogue, error) {
	switch flavour {
	case "9":
		return es9(), nil
	}
	return nil, fmt.Errorf("unknown flavour [%s] (known: %s)", flavour, strings.Join(Flavours, ", "))
}

// Flavour names the catalogue's flavour, one of Flavours.
func (c *Catalogue) Flavour() string { return c.flavour }
