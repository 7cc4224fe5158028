import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DirectoryCatalog } from '../infrastructure/catalog-loader';
import { normalizeProject, splitCommand } from './compose-project';
import { analyzeTemplate, planDeployment, projectNameOf, type ServiceTemplate } from './template';
import { declaredVariables, interpolate, type Missing } from './variables';

const FILE = `
services:
  app:
    image: "example/app:\${APP_TAG:-1.2}"
    labels:
      nekzus.toolbox.name: App
      nekzus.toolbox.category: tools
      nekzus.toolbox.tags: " a , b ,"
    environment:
      - DB_HOST=db
      - DB_PASSWORD=\${DB_PASSWORD:?the database password}
      - GF_ADMIN_USER=\${GF_ADMIN_USER}
      - PRICE=$$5
    ports: ["\${APP_PORT:-8080}:80", "127.0.0.1:9000:9000/udp"]
    volumes: [data:/var/lib/app, ./conf:/etc/app:ro]
    depends_on:
      db: { condition: service_healthy }
    command: sh -c 'echo "hi there"'
  db:
    image: postgres:16
    healthcheck:
      test: pg_isready
      interval: 1m30s
volumes:
  data:
`;

function template(text = FILE): ServiceTemplate {
  const entry = analyzeTemplate('app', text, parse(text));
  if (entry.kind !== 'template') throw new Error(entry.broken.reason);
  return entry.template;
}

describe('template variables', () => {
  it('reads ${NAME}, ${NAME:-default} and ${NAME:?message} once each, skipping $$ and injected ones', () => {
    expect(declaredVariables(FILE)).toEqual([
      {
        name: 'APP_TAG',
        label: 'App Tag',
        description: 'Configuration for App Tag',
        required: false,
        default: '1.2',
        type: 'text',
        secret: false,
      },
      {
        name: 'DB_PASSWORD',
        label: 'Db Password',
        description: 'Configuration for Db Password',
        required: true,
        message: 'the database password',
        type: 'password',
        secret: true,
      },
      {
        name: 'GF_ADMIN_USER',
        label: 'Admin User',
        description: 'Configuration for Admin User',
        required: true,
        type: 'text',
        secret: false,
      },
    ]);
  });

  it('interpolates as Compose does and reports unset required variables', () => {
    const missing: Missing[] = [];
    expect(interpolate('${A:-x}|${B-y}|${C:+z}|$$A|$A', { A: '', B: '', C: 'c' }, missing)).toBe(
      'x||z|$A|',
    );
    expect(interpolate('${P:?say it}', {}, missing)).toBe('');
    expect(missing).toEqual([{ name: 'P', message: 'say it' }]);
  });
});

describe('templates', () => {
  it('reads the metadata, the start order and the default port', () => {
    const t = template();
    expect(t.meta).toEqual({ name: 'App', category: 'tools', description: '', tags: ['a', 'b'] });
    expect(t.services).toEqual([
      { name: 'db', image: 'postgres:16' },
      { name: 'app', image: 'example/app:1.2' },
    ]);
    expect(t.usesAppPort).toBe(true);
  });

  it('lists a broken template with the reason instead of skipping it', () => {
    const broken = (text: string) => {
      const e = analyzeTemplate('x', text, parse(text));
      return e.kind === 'broken' ? e.broken.reason : 'parsed';
    };
    expect(
      broken(
        'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: y\n    depends_on: [a]\n    labels: {nekzus.toolbox.name: B, nekzus.toolbox.category: c}\n',
      ),
    ).toMatch(/depends_on forms a cycle/);
    expect(broken('services:\n  a:\n    image: x\n    volumes: [undeclared:/d]\n')).toMatch(
      /volume "undeclared" is not declared/,
    );
    expect(broken('services:\n  a:\n    build: .\n')).toMatch(/image: required/);
  });

  it('plans a deployment: every problem at once, then the project with our labels and address', () => {
    const t = template();
    const bad = planDeployment(
      t,
      { serviceName: '', envVars: { NOPE: '1' }, customPort: 0.5 },
      { baseUrl: 'http://gw', bindAddress: '' },
    );
    expect('problems' in bad && bad.problems.map((p) => p.field)).toEqual([
      'service_name',
      'env_vars.NOPE',
      'env_vars.DB_PASSWORD',
      'env_vars.GF_ADMIN_USER',
      'custom_port',
    ]);
    const ok = planDeployment(
      t,
      {
        serviceName: 'My App',
        envVars: { DB_PASSWORD: 'pw', GF_ADMIN_USER: 'me' },
        customPort: 8181,
      },
      { baseUrl: 'http://gw', bindAddress: '192.168.1.5' },
    );
    if (!('plan' in ok)) throw new Error(JSON.stringify(ok.problems));
    const app = ok.plan.project.services.find((s) => s.name === 'app')!;
    expect(ok.plan.projectName).toBe('my-app');
    expect(app.environment).toEqual({
      DB_HOST: 'db',
      DB_PASSWORD: 'pw',
      GF_ADMIN_USER: 'me',
      PRICE: '$5',
    });
    expect(app.ports).toEqual([
      { containerPort: 80, hostPort: 8181, hostIp: '192.168.1.5', protocol: 'tcp' },
      { containerPort: 9000, hostPort: 9000, hostIp: '127.0.0.1', protocol: 'udp' },
    ]);
    expect(app.labels).toMatchObject({
      'nekzus.enable': 'true',
      'nekzus.app.id': 'my-app',
      'nekzus.app.name': 'My App',
    });
    expect(app.command).toEqual(['sh', '-c', 'echo "hi there"']);
    expect(app.mounts).toEqual([
      { type: 'volume', source: 'data', target: '/var/lib/app', readOnly: false },
      { type: 'bind', source: './conf', target: '/etc/app', readOnly: true },
    ]);
    expect(ok.plan.project.services[0]!.healthcheck).toEqual({
      test: ['CMD-SHELL', 'pg_isready'],
      intervalMs: 90_000,
    });
  });

  it('names projects as Nekzus names containers', () => {
    expect(projectNameOf('  My Great_App!! ')).toBe('my-great-app');
    expect(splitCommand(`a 'b c' "d \\" e" f\\ g`)).toEqual(['a', 'b c', 'd " e', 'f g']);
    expect(
      normalizeProject({ services: { a: { image: 'x', ports: ['1:2:3:4'] } } }).problems,
    ).toEqual(['services.a.ports.0: "1:2:3:4" is not a port mapping (ranges are not supported)']);
  });
});

describe('the shipped catalogue', () => {
  it('every template in toolbox/ parses, with a name, a category and a volume for its data', () => {
    const entries = new DirectoryCatalog(() => `${__dirname}/../../../../toolbox`).entries();
    expect(entries.filter((e) => e.kind === 'broken')).toEqual([]);
    expect(entries.map((e) => (e.kind === 'template' ? e.template.id : ''))).toEqual([
      'gitea',
      'homepage',
      'jellyfin',
      'uptime-kuma',
      'vaultwarden',
    ]);
    for (const e of entries)
      if (e.kind === 'template') expect(JSON.stringify(e.template.document)).toContain('volumes');
  });
});
