/**
 * The deployment files of docs/scale-out.md are checked, so a typo fails CI: the Dockerfile by
 * dockerfile-utils' validator (docker is absent on the build machines; where it exists, the image is
 * built too), and the Kubernetes Job and the AWS Batch job definition by parsing them and handing
 * their task's arguments to mule embed's own parser.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '@mule-ts/test-utils';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseEmbedArgs } from './commands/embed-args.js';

const deploy = join(REPO_ROOT, 'deploy');
const hasDocker = (() => {
  try {
    execFileSync('docker', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// LSP diagnostic severities (dockerfile-utils reports in the Language Server Protocol's terms)
const ERROR = 1;
const WARNING = 2;

/** Problems the validator reports as errors or warnings, as `line: message`. */
function dockerfileProblems(text: string): string[] {
  return validate(text)
    .filter((d) => d.severity === ERROR || d.severity === WARNING)
    .map((d) => `${d.range.start.line + 1}: ${d.message}`);
}

if (!hasDocker) console.warn('skipping the docker build of deploy/Dockerfile: no docker here (the validator still checks it)');

describe('deployment files', () => {
  it('the Dockerfile is valid, runs mule as an unprivileged user, and a typo in it is caught', async () => {
    const text = await readFile(join(deploy, 'Dockerfile'), 'utf8');
    expect(dockerfileProblems(text)).toEqual([]);
    expect(text).toMatch(/^FROM node:20-/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "\/opt\/mule-ts\/packages\/cli\/bin\/mule\.js"\]$/m);
    expect(text).toMatch(/^USER node$/m);
    // the check can fail: an instruction misspelt, a flag misplaced
    expect(dockerfileProblems(text.replace('RUN corepack enable', 'RUNN corepack enable')).join('\n')).toMatch(/RUNN/);
    expect(dockerfileProblems(text.replace(/^USER node$/m, 'USER')).length).toBeGreaterThan(0);
  });

  it.skipIf(!hasDocker)('the image builds (where docker exists)', () => {
    execFileSync('docker', ['build', '-f', join(deploy, 'Dockerfile'), '-t', 'mule-ts:test', REPO_ROOT], { stdio: 'inherit' });
  });

  it("the Kubernetes Indexed Job's task is a valid mule embed with --shard auto/N equal to its completions", async () => {
    const job = parseYaml(await readFile(join(deploy, 'kubernetes-indexed-job.yaml'), 'utf8')) as {
      kind: string;
      spec: { completionMode: string; completions: number; template: { spec: { containers: Array<{ args: string[]; volumeMounts: Array<{ mountPath: string; readOnly?: boolean }> }> } } };
    };
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const container = job.spec.template.spec.containers[0]!;
    expect(container.args[0]).toBe('embed');
    const cmd = parseEmbedArgs(container.args.slice(1));
    expect(cmd.shardAuto).toEqual({ count: job.spec.completions });
    expect(cmd.out).toContain('{shard}');
    expect(cmd.resume).toBe(true);
    expect(cmd.inputLists).toHaveLength(1);
    const mounts = new Map(container.volumeMounts.map((m) => [m.mountPath, m.readOnly === true]));
    expect(mounts.get('/models')).toBe(true);
    expect(cmd.model.startsWith('/models/')).toBe(true);
  });

  it("the AWS Batch job definition's command is a valid mule embed with --shard auto", async () => {
    const definition = JSON.parse(await readFile(join(deploy, 'aws-batch-job-definition.json'), 'utf8')) as {
      containerProperties: { command: string[]; mountPoints: Array<{ containerPath: string; readOnly: boolean }> };
    };
    const { command, mountPoints } = definition.containerProperties;
    expect(command[0]).toBe('embed');
    const cmd = parseEmbedArgs(command.slice(1));
    expect(cmd.shardAuto).toEqual({ count: null });
    expect(cmd.out).toContain('{shard}');
    expect(cmd.resume).toBe(true);
    expect(mountPoints.find((m) => cmd.model.startsWith(m.containerPath))?.readOnly).toBe(true);
  });
});
