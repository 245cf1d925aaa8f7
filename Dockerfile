# syntax=docker/dockerfile:1
# Build: a static binary (pure-Go SQLite, no cgo), reproducible paths.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/healthbot ./cmd/healthbot \
 && mkdir -p /out/data

# Run: distroless static has CA certificates (Slack, Discord, PostgreSQL
# over TLS) and tzdata; the binary embeds tzdata too. Non-root user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/healthbot /healthbot
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
# The embedded SQLite database lives on this volume unless DATABASE_URL
# points at PostgreSQL. GOMEMLIMIT is Go's soft memory limit, sized for a
# 512 MiB container: with it the garbage collector runs before the heap
# doubles, and serve under load at 100,000 accounts peaked at 447 MiB
# resident instead of 614 MiB (BENCHMARKS.md, issue 17). Raise both
# together on a larger container.
ENV DATABASE_URL=/data/healthbot.db \
    HEALTHBOT_HTTP_ADDR=:8080 \
    GOMEMLIMIT=400MiB
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/healthbot"]
CMD ["serve"]
