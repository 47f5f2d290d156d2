# syntax=docker/dockerfile:1
# Build: the .NET 10 SDK (plus Node.js, for the browser packages the web build installs with npm).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Restore first, from the project files only, so source edits do not invalidate the package layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Dashboard.Simulation/Dashboard.Simulation.csproj src/Dashboard.Simulation/
COPY src/Dashboard.Web/Dashboard.Web.csproj src/Dashboard.Web/
RUN dotnet restore src/Dashboard.Web/Dashboard.Web.csproj

# Browser packages the same way: the lock file alone decides node_modules; the build's npm ci then finds it current.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN dotnet publish src/Dashboard.Web/Dashboard.Web.csproj -c Release --no-restore -o /app/publish /p:UseAppHost=false

# Run: the ASP.NET Core runtime only, as the image's non-root user; curl for the health check.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true
EXPOSE 8080
COPY --from=build /app/publish .
USER $APP_UID
# Liveness: /healthz answers while the process serves requests; /readyz (once warmed up) is for a proxy's routing.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://localhost:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "Dashboard.Web.dll"]
