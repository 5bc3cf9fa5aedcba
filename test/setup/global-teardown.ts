import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as Record<string, unknown>).__claspTestDb as { stop(): Promise<void>; dir: string } | undefined;
  if (!handle) return;
  await handle.stop();
  rmSync(handle.dir, { recursive: true, force: true });
}
