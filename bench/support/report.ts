import { cpus, platform, arch, totalmem } from 'node:os';

export interface Target {
  /** What was asked for, e.g. `≥ 20,000/s`. */
  text: string;
  pass: boolean;
}

export interface Figure {
  /** Stable name for `--json` consumers. */
  key: string;
  label: string;
  value: number;
  unit: string;
  /** Digits after the decimal point when printed. */
  decimals?: number;
  /** The same figure divided by a baseline measured in the same run. */
  ratio?: { value: number; to: string };
  target?: Target;
  /** Secondary numbers that belong to this line (latencies, RSS, group-commit sizes). */
  detail?: string;
}

export interface Section {
  title: string;
  figures: Figure[];
}

export interface BenchReport {
  name: string;
  title: string;
  quick: boolean;
  method: string[];
  sections: Section[];
  /** Causes of misses and other observations worth reading, in plain sentences. */
  findings: string[];
}

export function environment(): Record<string, string | number> {
  return {
    node: process.version,
    platform: `${platform()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round(totalmem() / 2 ** 30),
  };
}

export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

export function ratio(value: number, baseline: number): number {
  return baseline > 0 ? value / baseline : Number.NaN;
}

export function formatReport(report: BenchReport): string {
  const env = environment();
  const lines: string[] = [
    `${report.title}${report.quick ? '  [--quick: reduced sizes, not figures to quote]' : ''}`,
    `node ${env['node']}, ${env['platform']}, ${env['cpus']} × ${env['cpuModel']}, ${env['memoryGB']} GB RAM`,
    '',
    'Method',
    ...report.method.map((m) => `  - ${m}`),
  ];
  const labelWidth = Math.max(
    ...report.sections.flatMap((s) => s.figures.map((f) => f.label.length)),
  );
  for (const section of report.sections) {
    lines.push('', section.title);
    for (const f of section.figures) {
      const figure = `${formatNumber(f.value, f.decimals ?? 0)} ${f.unit}`;
      const ratioText = f.ratio ? `${formatNumber(f.ratio.value, 2)}x ${f.ratio.to}` : '';
      const targetText = f.target
        ? `target ${f.target.text}  ${f.target.pass ? 'PASS' : 'MISS'}`
        : '';
      lines.push(
        `  ${f.label.padEnd(labelWidth)}  ${figure.padStart(18)}  ${ratioText.padEnd(24)}  ${targetText}`.trimEnd(),
      );
      if (f.detail) lines.push(`  ${' '.repeat(labelWidth)}    ${f.detail}`);
    }
  }
  const targets = report.sections.flatMap((s) => s.figures).filter((f) => f.target);
  const missed = targets.filter((f) => !f.target!.pass);
  if (targets.length > 0)
    lines.push(
      '',
      `Targets: ${targets.length - missed.length} of ${targets.length} met${
        missed.length > 0 ? `; missed: ${missed.map((f) => f.label).join('; ')}` : ''
      }`,
    );
  if (report.findings.length > 0) {
    lines.push('', 'Findings');
    for (const finding of report.findings) lines.push(`  - ${finding}`);
  }
  return `${lines.join('\n')}\n`;
}

export function reportJson(report: BenchReport): unknown {
  return {
    benchmark: report.name,
    quick: report.quick,
    environment: environment(),
    method: report.method,
    figures: Object.fromEntries(
      report.sections.flatMap((s) =>
        s.figures.map((f) => [
          f.key,
          {
            section: s.title,
            label: f.label,
            value: Number(f.value.toFixed(f.decimals ?? 0)),
            unit: f.unit,
            ...(f.ratio ? { ratio: Number(f.ratio.value.toFixed(3)), ratioTo: f.ratio.to } : {}),
            ...(f.target ? { target: f.target.text, pass: f.target.pass } : {}),
            ...(f.detail ? { detail: f.detail } : {}),
          },
        ]),
      ),
    ),
    findings: report.findings,
  };
}
