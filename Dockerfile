# syntax=docker/dockerfile:1
# One image recipe for the three services: build once, then one target per service.
#   docker build --target empresa  -t red-combustible/empresa .
#   docker build --target estacion -t red-combustible/estacion .
#   docker build --target surtidor -t red-combustible/surtidor .

FROM node:20-bookworm-slim AS build
WORKDIR /app
# A toolchain for better-sqlite3 when no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY . .
# `npm ci` installs the workspaces and runs `prepare`, which builds every package (tsc -b).
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# /certs is where docker-compose.yml mounts the certificates volume: a new named volume takes the
# owner of the directory it is mounted on, so the certificados service (user node) can write it.
RUN mkdir -p /data /certs && chown node:node /data /certs
USER node
VOLUME ["/data"]

# Containers listen on every interface (--host 0.0.0.0, the services' default is 127.0.0.1), so
# protected mode wants credentials: EMPRESA_TOKEN / ESTACION_PUMP_TOKEN and ESTACION_COMPANY_TOKEN
# (see docker-compose.yml and .env.example), or --insecure to accept the risk.
FROM runtime AS empresa
EXPOSE 8000
ENTRYPOINT ["node", "empresa/bin/empresa.js"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/data"]

FROM runtime AS estacion
# `estacion certificados dev` (the certificados service of docker-compose.yml) runs the system's
# openssl, which the slim base image does not have.
USER root
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssl \
  && rm -rf /var/lib/apt/lists/*
USER node
EXPOSE 6000 5001 8001 4001
ENTRYPOINT ["node", "estacion/bin/estacion.js"]
CMD ["--host", "0.0.0.0", "--data-dir", "/data"]

FROM runtime AS surtidor
ENTRYPOINT ["node", "surtidor/bin/surtidor.js"]
CMD ["--outbox-dir", "/data/outbox", "--no-table"]
