# Both services in one image (the command picks the service). Multi-stage: the build stage
# compiles the TypeScript workspaces; the runtime stage keeps production dependencies, the
# compiled output, the contracts and the migrations, and runs as the non-root `node` user.
#   docker build -t autoserve/services .
#   docker run autoserve/services node scaler-service/dist/main.js   (or context-service)

FROM node:24-slim AS build
WORKDIR /app
# Manifests first so the dependency layer is cached until they change.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY proto/package.json proto/tsconfig.json proto/
COPY runtime/package.json runtime/tsconfig.json runtime/
COPY context-service/package.json context-service/tsconfig.json context-service/
COPY scaler-service/package.json scaler-service/tsconfig.json scaler-service/
RUN npm ci --no-audit --no-fund
COPY proto/src proto/src
COPY proto/protos proto/protos
COPY runtime/src runtime/src
COPY context-service/src context-service/src
COPY scaler-service/src scaler-service/src
RUN npx tsc -b && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    GRPC_HOST=0.0.0.0
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
# The official image's unprivileged user (uid 1000).
USER node
EXPOSE 50051 50052 9451 9452
# grpc.health.v1 Check against the service's own port (HEALTHCHECK_ADDRESS, set per service).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
CMD ["node", "scaler-service/dist/main.js"]
