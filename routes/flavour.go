package routes

import "fmt"

// ForFlavour returns the shared route table of a privilege flavour ("9", "8",
// "serverless", "shield2" or "shield1"), built on first use.
func ForFlavour(flavour string) (*Table, error) {
	switch flavour {
	case "9":
		return defaultTable(), nil
	case "shield1":
		return shield1Table(), nil
	case "shield2":
		return shield2Table(), nil
	}
	return nil, fmt.Errorf("no route table for flavour [%s]", flavour)
}
