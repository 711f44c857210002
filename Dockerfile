FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/avrop ./cmd/avrop

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 avrop \
 && mkdir -p /var/lib/avrop && chown avrop /var/lib/avrop && chmod 700 /var/lib/avrop
COPY --from=build /out/avrop /usr/local/bin/avrop
USER avrop
EXPOSE 8080
ENTRYPOINT ["avrop"]
CMD ["serve"]
