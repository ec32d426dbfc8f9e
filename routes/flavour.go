package routes

import "fmt"

// ForFlavour returns the shared route table of a privilege flavour ("9", "8",
// "serverless", "shield2" or "shield1"), built on first use:
//
//   - "9": Elasticsearch 9.x (data/es-9.5-routes.tsv);
//   - "8": Elasticsearch 8.19 (data/es-8.19-routes.tsv);
//   - "serverless": Elastic Cloud Serverless, the 9.x routes of the handlers listed in
//     data/serverless-handlers.txt. Other paths get the answers of a path without a route.
func ForFlavour(flavour string) (*Table, error) {
	switch flavour {
	case "9":
		return defaultTable(), nil
	case "8":
		return es8Table(), nil
	case "serverless":
		return serverlessTable(), nil
	case "shield1":
		return shield1Table(), nil
	case "shield2":
		return shield2Table(), nil
	}
	return nil, fmt.Errorf("no route table for flavour [%s]", flavour)
}
