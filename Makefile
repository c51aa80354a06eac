# certhub — the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test build bench clean

run:
	go run ./cmd/certhub serve --demo

test:
	./scripts/test.sh

build:
	CGO_ENABLED=0 go build -trimpath -o bin/certhub ./cmd/certhub

bench:
	go test -run '^$$' -bench . -benchmem ./internal/...

clean:
	rm -rf bin
