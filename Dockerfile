# One image for every Quiver role: `quiver --cluster serve` (the proxy, the default command), `quiver coordinator`
# and `quiver querynode`, or the embedded `quiver serve`. Multi-stage: the build stage compiles TypeScript and the
# hnswlib-node addon and builds the offline default embedding model; the runtime stage carries only what runs,
# as the unprivileged `node` user.

# ---- build ----------------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
# hnswlib-node has no prebuilt binary: node-gyp needs a compiler and Python.
RUN apt-get update \
  && apt-get install -y --no-install-recommends g++ make python3 ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./
# npm ci runs `prepare`, which compiles src/ to dist/.
RUN npm ci --no-audit --no-fund
# The default model, built from npm-shipped GloVe vectors at image build time (no network at run time).
ENV QUIVER_MODEL_DIR=/opt/quiver/models
RUN node bin/quiver.js models build && node bin/quiver.js models verify
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime --------------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    QUIVER_MODEL_DIR=/opt/quiver/models \
    QUIVER_HOST=0.0.0.0 \
    QUIVER_CACHE_DIR=/var/cache/quiver
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /opt/quiver/models /opt/quiver/models
COPY pipelines ./pipelines
COPY public ./public
RUN mkdir -p /var/cache/quiver /data && chown -R node:node /var/cache/quiver /data
USER node
# 7700: the HTTP API (proxy or embedded); 7710: a query node; 7720: a coordinator's probes.
EXPOSE 7700 7710 7720
ENTRYPOINT ["node", "bin/quiver.js"]
CMD ["--cluster", "serve", "--host", "0.0.0.0", "--port", "7700"]
