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
# The admin listener must be on 9202 for the health check (admin_listen: 0.0.0.0:9202).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/esguard", "health", "--url", "http://127.0.0.1:9202/healthz"]
ENTRYPOINT ["/usr/local/bin/esguard"]
CMD ["serve", "--config", "/etc/esguard/esguard.yml"]
