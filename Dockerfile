# retail-datagen as a container on the Azure Functions Node 22 base image, for Azure Container Apps, AKS or any
# container host. Build: docker build -t retail-datagen .   Run: see docs/DEPLOY.md ("Route 3: container").
#
# Stage 1 compiles the TypeScript with the dev dependencies, then drops them; stage 2 is the runtime image with
# only what the Functions host loads: host.json, package.json (its "main" points at dist/src/functions/*.js),
# the compiled app, its production node_modules and the dashboard's static files (src/web).
FROM mcr.microsoft.com/azure-functions/node:4-node22 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM mcr.microsoft.com/azure-functions/node:4-node22
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    FUNCTIONS_WORKER_RUNTIME=node \
    NODE_ENV=production
WORKDIR /home/site/wwwroot
COPY host.json ./
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY src/web ./src/web
# The Functions host listens on port 80 in this image.
EXPOSE 80
