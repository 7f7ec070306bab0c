// Type-checks every Grafana dashboard JSON in the given folder against @grafana/schema:
// the dashboard as a whole (Dashboard), and each panel with its plugin's own options and
// field-config types (Panel<Options, FieldConfig>). Each JSON file becomes a TypeScript object
// literal assigned to those types, so tsc reports unknown properties, missing required ones and
// values outside an enum, with the file and line. Exits non-zero on any error.
//
//   node check-dashboards.mjs <dashboards dir>
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dashboards = resolve(process.argv[2] ?? join(here, '..', 'dashboards'));
const out = join(here, '.generated');

// The panel types the dashboards may use, with the schema of each plugin's options.
const PANEL_TYPES = {
  timeseries: 'TimeSeries',
  stat: 'Stat',
};

const header = `import type { Dashboard, Panel } from '@grafana/schema';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';

// JSON has no enums: accept each string enum's values as the string literals JSON holds.
type Json<T> = T extends string
  ? \`\${T}\`
  : T extends ReadonlyArray<infer U>
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

// Panel<O, F> types fieldConfig.defaults.custom with F but leaves options as a loose record.
type TypedPanel<O, F> = Omit<Panel<O, F>, 'options'> & { options: O };
`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = readdirSync(dashboards).filter((name) => name.endsWith('.json')).sort();
if (files.length === 0) {
  console.error(`no dashboards in ${dashboards}`);
  process.exit(1);
}
const problems = [];
for (const file of files) {
  const dashboard = JSON.parse(readFileSync(join(dashboards, file), 'utf8'));
  const lines = [header, `export const dashboard: Json<Dashboard> = ${JSON.stringify(dashboard, null, 2)};`];
  const panels = (dashboard.panels ?? []).flatMap((panel) => (panel.type === 'row' ? panel.panels ?? [] : [panel]));
  panels.forEach((panel, index) => {
    const schema = PANEL_TYPES[panel.type];
    if (!schema) {
      problems.push(`${file}: panel "${panel.title}" has type "${panel.type}", not one of ${Object.keys(PANEL_TYPES)}`);
      return;
    }
    lines.push(`export const panel${index}: Json<TypedPanel<${schema}.Options, ${schema}.FieldConfig>> = `
      + `${JSON.stringify(panel, null, 2)};`);
  });
  writeFileSync(join(out, basename(file, '.json') + '.ts'), lines.join('\n\n') + '\n');
}
// Stat has no FieldConfig of its own.
writeFileSync(join(out, 'stat-fieldconfig.d.ts'), `import '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
declare module '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen' {
  type FieldConfig = Record<string, never>;
}
`);
writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'es2022',
    module: 'esnext',
    moduleResolution: 'bundler',
    skipLibCheck: true,
    typeRoots: [join(here, 'node_modules', '@types')],
  },
  include: ['*.ts'],
}, null, 2));
if (problems.length > 0) {
  problems.forEach((problem) => console.error(problem));
  process.exit(1);
}
try {
  execFileSync(process.execPath, [join(here, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', out, '--pretty', 'false'],
    { stdio: 'inherit' });
}
catch (error) {
  console.error(`tsc found schema errors in ${files.join(', ')} (generated TypeScript in ${out})`);
  process.exit(1);
}
console.log(`${files.length} dashboards match @grafana/schema: ${files.join(', ')}`);
