import { randomBytes } from 'node:crypto';

/**
 * Azurite's blob service, in-process, on a free loopback port, in memory, silent.
 *
 * In-process rather than a child process: it starts in well under a second, and — what the lease tests
 * need — its lease expiry is computed from the global `Date` of this jest environment, so a test that fakes
 * only `Date` moves the emulator's clock too (Azurite, like Azure, refuses leases under 15 s).
 *
 * Azurite ships no type declarations; the few members used here are declared below. Telemetry is only sent
 * after AzuriteTelemetryClient.init(), which the CLI calls and we do not; it is also switched off here.
 */

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}
type BlobServerCtor = new (config: unknown) => AzuriteBlobServer;
type BlobConfigurationCtor = new (...args: unknown[]) => unknown;

/** Azurite's well-known development account (public, documented, not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  blobEndpoint: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const BlobServer = (require('azurite/dist/src/blob/BlobServer') as { default: BlobServerCtor }).default;
  const BlobConfiguration = (require('azurite/dist/src/blob/BlobConfiguration') as { default: BlobConfigurationCtor }).default;
  const telemetry = require('azurite/dist/src/common/Telemetry') as { AzuriteTelemetryClient: { enableTelemetry: boolean } };
  /* eslint-enable @typescript-eslint/no-require-imports */
  telemetry.AzuriteTelemetryClient.enableTelemetry = false;

  // Positional, as in Azurite 3.x: host, port, keepAliveTimeout, metadataDBPath, extentDBPath,
  // persistencePathArray, enableAccessLog, accessLogWriteStream, enableDebugLog, debugLogFilePath, loose,
  // skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, isMemoryPersistence.
  const config = new BlobConfiguration(
    '127.0.0.1',
    0,
    undefined,
    `memory-${randomBytes(4).toString('hex')}`,
    `memory-extent-${randomBytes(4).toString('hex')}`,
    undefined,
    false,
    undefined,
    false,
    undefined,
    true,
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server = new BlobServer(config);
  await server.start();
  const port = new URL(server.getHttpServerAddress()).port;
  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
    stop: async () => {
      await server.close();
      await server.clean().catch(() => undefined);
    },
  };
}

/** A container name nobody else in this run uses (3–63 chars, lowercase, digits, '-'). */
export function uniqueContainer(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
}
