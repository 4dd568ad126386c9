# credential-rotator image: `rotator worker` by default, `rotator codec-server …` for the UI's codec server.
# Build stage compiles TypeScript; the runtime stage has production dependencies only and runs as the non-root `node` user.
# Node 24 LTS, the version the test suite runs on (scripts/bootstrap-tools.sh NODE24_VERSION): move this and CI together.
FROM node:24.19.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: npm 11 lockfiles omit other platforms' optional packages (npm/cli#4828)
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# src/ alone: sandbox/ (the emulators and the demo), test/ and bench/ stay out of the image
COPY src ./src
COPY scripts/bundle-workflows.js ./scripts/
RUN npm run build

FROM node:24.19.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/lib ./lib
COPY bin ./bin
USER node
ENTRYPOINT ["node", "bin/rotator.js"]
CMD ["worker"]
