import type { ContainerDefinition, TargetGroup, Task, TaskDefinition } from '../ecs/model.ts';
import type { TaskRuntime } from '../ecs/runtime.ts';
import type { BuildahContainers, ImageConfig, RunningContainer } from './containers.ts';
import type { PgInstance } from './postgres.ts';

export interface TaskRuntimeDeps {
  containers: BuildahContainers;
  /** The real database a task of `clusterName` talks to, if any. */
  databaseFor: (clusterName: string) => Promise<PgInstance | undefined>;
  /** The value a container secret's `valueFrom` refers to (SSM parameter or Secrets Manager). */
  secret: (valueFrom: string) => string | undefined;
  writeLog: (group: string, stream: string, line: string) => void;
  /** Real milliseconds for simulated ones (stop timeouts follow the sandbox's clock). */
  realDelay: (simulatedMs: number) => number;
}

interface Prepared {
  container: string;
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  user?: string;
  stopTimeoutMs: number;
  process?: RunningContainer;
  probe?: { inFlight: boolean; last?: boolean };
}

const SYNTHETIC = 'ferry sandbox synthetic image';

function envList(list: string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list ?? []) {
    const at = entry.indexOf('=');
    if (at > 0) out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

/** ECS's rule: a container definition's entryPoint/command replace the image's; an override replaces the command. */
export function commandLine(
  image: ImageConfig,
  definition: Pick<ContainerDefinition, 'command'> & { entryPoint?: string[] },
  overrideCommand: string[] | undefined,
): string[] {
  const entryPoint = definition.entryPoint ?? image.Entrypoint ?? [];
  const command = overrideCommand ?? definition.command ?? (definition.entryPoint ? [] : (image.Cmd ?? []));
  return [...entryPoint, ...command];
}

/** The sandbox's real mode for ECS tasks: buildah containers on loopback IPs of their own. */
export class RealTaskRuntime implements TaskRuntime {
  readonly #deps: TaskRuntimeDeps;
  readonly #tasks = new Map<string, Prepared>();
  #nextIp = 10;

  constructor(deps: TaskRuntimeDeps) {
    this.#deps = deps;
  }

  allocateIp(): string {
    const n = this.#nextIp++;
    return `127.77.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }

  async prepare(task: Task, td: TaskDefinition): Promise<void> {
    const main = td.containerDefinitions.find((c) => c.essential !== false) ?? td.containerDefinitions[0]!;
    const name = `ferry-task-${task.id}`;
    const { config, history } = await this.#deps.containers.create(name, main.image);
    if (history.some((line) => line.includes(SYNTHETIC))) {
      // The seed's placeholder image has nothing to run: the task stays simulated.
      await this.#deps.containers.remove(name);
      return;
    }
    const override = (
      task.overrides.containerOverrides as
        | { name?: string; command?: string[]; environment?: { name: string; value: string }[] }[]
        | undefined
    )?.find((o) => o.name === main.name);
    const env: Record<string, string> = { ...envList(config.Env) };
    for (const e of main.environment ?? []) env[e.name] = e.value;
    for (const e of override?.environment ?? []) env[e.name] = e.value;
    for (const secret of (main.secrets as { name: string; valueFrom: string }[] | undefined) ?? []) {
      const value = this.#deps.secret(secret.valueFrom);
      if (value !== undefined) env[secret.name] = value;
    }
    const db = await this.#deps.databaseFor(task.cluster.clusterName);
    if (db) {
      Object.assign(env, {
        DATABASE_URL: db.url,
        DATABASE_HOST: db.host,
        DATABASE_PORT: String(db.port),
        DATABASE_NAME: db.database,
        DATABASE_USER: db.user,
        DATABASE_PASSWORD: db.password,
      });
    }
    // Tasks share the host's network: each binds its own loopback IP, as awsvpc gives each an ENI.
    env.HOST = task.privateIp;
    const argv = commandLine(
      config,
      main as ContainerDefinition & { entryPoint?: string[] },
      override?.command,
    );
    if (argv.length === 0)
      throw new Error(`CannotStartContainerError: ${main.name}: no command or entrypoint`);
    this.#tasks.set(task.id, {
      container: name,
      argv,
      env,
      workingDir: (main.workingDirectory as string | undefined) ?? (config.WorkingDir || undefined),
      user: (main.user as string | undefined) ?? (config.User || undefined),
      stopTimeoutMs: this.#deps.realDelay(Number(main.stopTimeout ?? 30) * 1000),
    });
    task.real = true;
    // Stopped while its image was being pulled: nothing will start it.
    if (task.lastStatus === 'STOPPED') this.release(task);
  }

  start(task: Task, onExit: (code: number) => void): void {
    const prepared = this.#tasks.get(task.id);
    if (!prepared) {
      onExit(125);
      return;
    }
    const logs = task.logs;
    prepared.process = this.#deps.containers.run({
      container: prepared.container,
      argv: prepared.argv,
      env: prepared.env,
      workingDir: prepared.workingDir,
      user: prepared.user,
      onLine: (line) => {
        if (logs) this.#deps.writeLog(logs.group, logs.stream, line);
      },
      onExit,
    });
  }

  stop(task: Task): boolean {
    const prepared = this.#tasks.get(task.id);
    if (!prepared?.process || prepared.process.exited) return false;
    prepared.process.stop(prepared.stopTimeoutMs);
    return true;
  }

  probe(task: Task, tg: TargetGroup, port: number): boolean | undefined {
    const prepared = this.#tasks.get(task.id);
    if (!prepared) return false;
    prepared.probe ??= { inFlight: false };
    const state = prepared.probe;
    const last = state.last;
    state.last = undefined;
    if (!state.inFlight) {
      state.inFlight = true;
      fetch(`http://${task.privateIp}:${port}${tg.healthCheckPath}`, { signal: AbortSignal.timeout(2000) })
        .then(
          async (res) => {
            await res.arrayBuffer().catch(() => undefined);
            // The target group's matcher: 200.
            return res.status === 200;
          },
          () => false,
        )
        .then((ok) => {
          state.last = ok;
          state.inFlight = false;
        });
    }
    return last;
  }

  release(task: Task): void {
    const prepared = this.#tasks.get(task.id);
    if (!prepared) return;
    this.#tasks.delete(task.id);
    this.#deps.containers.remove(prepared.container).catch(() => undefined);
  }
}
