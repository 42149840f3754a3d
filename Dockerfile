# syntax=docker/dockerfile:1
# .dockerignore keeps ./data, node_modules, bin/ and frontend/dist/app of the
# host out of the build context. docker-compose.yml runs this image.
# Stage 1: the web UI (vite writes it to frontend/dist/app).
FROM node:20-bookworm-slim AS ui
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# Stage 2: the Go binary with the UI embedded. deploy_test.go (make test)
# compiles ./cmd/expertenrunde with the same CGO_ENABLED, -tags and -ldflags.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=ui /src/frontend/dist/app ./frontend/dist/app
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -tags ferretdb_no_postgresql -ldflags "-s -w -X main.Version=${VERSION}" -o /out/expertenrunde ./cmd/expertenrunde

# Stage 3: a small runtime image, not root. ca-certificates: SMTP with
# STARTTLS or TLS (the default) and MongoDB over TLS verify the server's
# certificate against them.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data expertenrunde && mkdir /data && chown expertenrunde /data
COPY --from=build /out/expertenrunde /expertenrunde
USER expertenrunde
ENV EXPERTENRUNDE_ADDR=0.0.0.0:8080 \
    EXPERTENRUNDE_DATA_DIR=/data \
    EXPERTENRUNDE_ENV=production
VOLUME /data
EXPOSE 8080
# GET /readyz on EXPERTENRUNDE_ADDR (the image has no curl): healthy when the
# server answers and its database is reachable.
HEALTHCHECK --interval=30s --timeout=15s --start-period=2m --retries=3 CMD ["/expertenrunde", "healthcheck"]
ENTRYPOINT ["/expertenrunde"]
CMD ["serve"]
