import { createApp } from './app.ts';

const version = process.env.APP_VERSION ?? 'unknown';
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';

const server = createApp({ version });
server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(`shop ${version} listening on http://${host}:${bound}`);
});

// ECS sends SIGTERM and waits (stopTimeout) before SIGKILL: finish in-flight requests first.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: closing`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
