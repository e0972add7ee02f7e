# velahub registry image: `docker build -t velahub .` then see deploy/helm/velahub/.
# Two stages. The build stage has Go (for the CUE engine, core/cue/engine) and every npm
# dependency: `npm ci` runs the postinstall, which builds the engine to WebAssembly and natively
# (build/cue-engine/<line>/) and compiles the CLI and server to dist/; then the dev dependencies
# are pruned. The runtime stage gets only what runs, as an unprivileged user (uid 10001) with
# /data as its only writable folder besides /tmp, so it works on a read-only root.
#
# The build fails when an engine or dist/ is missing, so an image never starts without them
# (bin/velahub.js would otherwise fall back to transpiling the sources on every start).

FROM golang:1.24-bookworm AS go

FROM node:20-bookworm AS build
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local GOFLAGS=-mod=readonly
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY core ./core
COPY registry ./registry
COPY installer ./installer
COPY schemas ./schemas
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund \
 && for line in build/cue-engine/*/; do test -f "$line/engine.wasm" && test -x "$line/engine-native"; done \
 && test -f dist/velahub.js && test -f dist/sources.json \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --gid 10001 velahub \
 && useradd --uid 10001 --gid velahub --home-dir /data --shell /usr/sbin/nologin velahub \
 && mkdir /data && chown velahub:velahub /data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY --from=build /app/dist ./dist
COPY package.json tsconfig.json ./
# The sources stay beside dist/: bin/velahub.js compares their times with dist/sources.json, and
# COPY keeps the build stage's times, so they are not newer than the bundle.
COPY --from=build /app/bin ./bin
COPY --from=build /app/cli ./cli
COPY --from=build /app/core ./core
COPY --from=build /app/registry ./registry
COPY --from=build /app/installer ./installer
COPY --from=build /app/schemas ./schemas
COPY addons ./addons
USER 10001:10001
EXPOSE 8080
VOLUME /data
# Settings come from the environment (DATABASE_URL, VELAHUB_BLOB_STORE, AWS_*, VELAHUB_ADMIN_TOKEN,
# VELAHUB_CUE_ENGINE); see README "Running in production".
ENTRYPOINT ["node", "bin/velahub.js"]
CMD ["serve", "--port", "8080", "--data", "/data"]
