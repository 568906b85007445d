# inventory-sync: build stage compiles TypeScript; the runtime stage holds production dependencies and dist/ only.
# docker build -t inventory-sync .   (compose.yaml runs it with PostgreSQL, a NATS cluster, Unleash, Prometheus, Grafana)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gen gen
COPY src src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    GATEWAY_PORT=8080 \
    GRPC_PORT=50051 \
    UNLEASH_BACKUP_DIR=/tmp/unleash
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY flags flags
# The image's unprivileged user (uid 1000); the service writes nothing under /app.
USER node
EXPOSE 8080 50051
# /healthz answers 200 while the process serves (readiness, with its dependencies, is /readyz).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEWAY_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The flags npm start passes (package.json), without its build step.
CMD ["node", "--max-semi-space-size=32", "--max-old-space-size=1536", "dist/src/cli.js", "serve"]
