# Multi-stage build: a static esguard binary on a distroless, non-root base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/esguard ./cmd/esguard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/esguard /usr/local/bin/esguard
USER nonroot:nonroot
EXPOSE 9201 9202
ENTRYPOINT ["/usr/local/bin/esguard"]
CMD ["serve", "--config", "/etc/esguard/esguard.yml"]
