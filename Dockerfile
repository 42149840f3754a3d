# syntax=docker/dockerfile:1
# Stage 1: the web UI.
FROM node:20-bookworm-slim AS ui
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# Stage 2: the Go binary with the UI embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=ui /src/frontend/dist/app ./frontend/dist/app
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -tags ferretdb_no_postgresql -ldflags "-s -w -X main.Version=${VERSION}" -o /out/expertenrunde ./cmd/expertenrunde

# Stage 3: a small runtime image, not root.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /data expertenrunde && mkdir /data && chown expertenrunde /data
COPY --from=build /out/expertenrunde /expertenrunde
USER expertenrunde
ENV EXPERTENRUNDE_ADDR=0.0.0.0:8080 \
    EXPERTENRUNDE_DATA_DIR=/data \
    EXPERTENRUNDE_ENV=production
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/expertenrunde"]
CMD ["serve"]
