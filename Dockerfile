# wgmik container image. Two stages:
#   build   — Rust 1.95 on Debian bookworm with Node.js; runs scripts/build.sh, the very script
#             the README's first command (scripts/run.sh) runs, so the image is built the same
#             way (pinned cargo-leptos, wasm-bindgen-cli and npm packages from scripts/setup.sh).
#   runtime — debian:bookworm-slim, a non-root user, only the binary and the site folder.
# Data (SQLite file, generated key file) lives in the /data volume. Set WGMIK_MASTER_KEY for
# production so the key is not stored beside the data it protects.

FROM rust:1.95-bookworm AS build
# Node.js 20 (Tailwind 4 needs it; bookworm's own nodejs is 18), taken from the official image.
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm-slim /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
WORKDIR /src
COPY . .
RUN scripts/build.sh --build-only

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin wgmik \
 && mkdir -p /data \
 && chown wgmik:wgmik /data
COPY --from=build /src/target/release/wgmik /app/wgmik
COPY --from=build /src/target/site /app/site
ENV WGMIK_BIND=0.0.0.0:8000 \
    WGMIK_DATA_DIR=/data \
    WGMIK_SITE_ROOT=/app/site \
    RUST_LOG=info
USER wgmik
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/app/wgmik", "healthcheck"]
ENTRYPOINT ["/app/wgmik"]
CMD ["serve"]
