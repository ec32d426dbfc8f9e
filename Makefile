.PHONY: test race vet bench fuzz run
test:
	go test -race -shuffle=on ./...
vet:
	go vet ./...
bench:
	go test -run='^$$' -bench=. -benchmem ./...
fuzz:
	go test -run='^$$' -fuzz=FuzzMatch -fuzztime=30s ./routes
run:
	go run ./cmd/esguard serve --config examples/quickstart/esguard.yml
