# CTS Ops bot: a production image. Build: docker build -t cts-ops-bot .
# Stage 1 compiles TypeScript with the dev dependencies; stage 2 holds only dist/ and the production dependencies.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY cards ./cards
# dist/src (the compiled code) and dist/cards (the Adaptive Card templates it reads)
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The Teams app manifest and icons travel with the image for reference (npm run package builds the zip elsewhere).
COPY appPackage/manifest.json appPackage/color.png appPackage/outline.png ./appPackage/
# File-mode state (one instance); with AZURE_STORAGE_* set, state lives in Blob Storage and this stays empty.
RUN mkdir -p /app/data && chown node:node /app/data
# The node image's unprivileged user (uid 1000): the bot never needs root.
USER node
EXPOSE 3978
# /healthz answers 503 when the last poll is older than three intervals or the store is unreachable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: turns in flight finish, the leader lease is released, then the process exits (at most 25 s).
STOPSIGNAL SIGTERM
CMD ["node", "--disable-warning=DEP0111", "dist/src/index.js"]
