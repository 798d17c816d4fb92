# retail-datagen as a container on the Azure Functions Node 20 base image (for Container Apps, AKS or any
# container host). Build: docker build -t retail-datagen . ; run with the same app settings as in Azure.
FROM mcr.microsoft.com/azure-functions/node:4-node20 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM mcr.microsoft.com/azure-functions/node:4-node20
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    FUNCTIONS_WORKER_RUNTIME=node
WORKDIR /home/site/wwwroot
COPY --from=build /src/package.json ./
COPY host.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY src/web ./src/web
