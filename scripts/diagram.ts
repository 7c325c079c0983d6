// Draws docs/architecture.svg from the synthesized app, so the diagram always matches the stacks.
// Usage: npx tsx scripts/diagram.ts          (write)
//        npx tsx scripts/diagram.ts --check  (fail if the committed diagram is stale; test/docs runs the same check)
import { readFileSync } from 'fs';
import { join } from 'path';
import { writeOrCheck } from './generated-file';
import { App, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { buildBaseline } from '../app/baseline';
import { loadConfig } from '../app/config';

const ROOT = join(__dirname, '..');
export const DIAGRAM_PATH = join(ROOT, 'docs', 'architecture.svg');

interface Box { title: string; subtitle: string; lines: string[] }

const LIFECYCLE: Record<string, string> = {
  network: 'long-lived',
  data: 'stateful: protected, RETAIN/SNAPSHOT',
  identity: 'stateful: user pool retained',
  api: 'stateless: safe to replace',
};

/** Our constructs and the notable L2s directly inside a stack, as `id (Class)`. */
function describeStack(stack: Stack): string[] {
  const ours = new Set(Object.keys(require('../lib/index')));
  const lines: string[] = [];
  const visit = (c: IConstruct, depth: number): void => {
    for (const child of c.node.children) {
      const cls = child.constructor.name;
      if (ours.has(cls)) {
        lines.push(`${child.node.id}: ${cls}`);
      } else if (depth < 1 && !/^(Cfn|CDK|Zone$|Custom::)/.test(child.node.id) && /Function|Key|Secret|Cluster|Pool|Provider|Resource|Role|Bucket/.test(cls)) {
        lines.push(`${child.node.id}: ${cls}`);
      }
      if (!ours.has(cls) && depth < 1) visit(child, depth + 1);
    }
  };
  visit(stack, 0);
  return lines;
}

export function renderDiagram(): string {
  const context = { ...JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context, 'aws:cdk:bundling-stacks': [] };
  const app = new App({ context });
  const stages = buildBaseline(app, loadConfig(app));
  // The first stage with every entry point (a stage may leave out the load balancer with `loadBalancer: false`, as the example dev does).
  const stage = stages.find((s) => s.stage.loadBalancer !== false) ?? stages[0];
  const withoutLoadBalancer = stages.filter((s) => s.stage.loadBalancer === false).map((s) => s.stage.name);
  const stacks: [string, Stack][] = [['network', stage.network], ['data', stage.data], ['identity', stage.identity], ['api', stage.api]];
  const boxes: Box[] = stacks.map(([kind, stack]) => ({ title: stack.stackName, subtitle: LIFECYCLE[kind], lines: describeStack(stack) }));

  const W = 1200;
  const colW = (W - 50) / boxes.length;
  const lineH = 17;
  const flowTop = 70;
  const boxTop = 250;
  const boxH = Math.max(...boxes.map((b) => b.lines.length)) * lineH + 70;
  const H = boxTop + boxH + 60;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  out.push('<defs><marker id="a" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>');
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="25" y="35" font-size="20" font-weight="bold">aws-security-baseline: one stage (${esc(stage.stage.name)}), generated from the app by scripts/diagram.ts</text>`);

  // Request flow
  const flow = ['Client (TLS 1.3)', 'AWS WAF (rate limits, managed rules)', 'API Gateway (TLS 1.3 domain, validators) / ALB (TLS13_13, HSTS)', 'Lambda authorizer (JWT) + handler (schemas again)', 'Aurora PostgreSQL (IAM auth, TLS verify-full)'];
  const fw = (W - 50 - (flow.length - 1) * 30) / flow.length;
  flow.forEach((label, i) => {
    const x = 25 + i * (fw + 30);
    out.push(`<rect x="${x}" y="${flowTop}" width="${fw}" height="110" rx="8" fill="#eef5ff" stroke="#2b6cb0"/>`);
    wrap(label, 24).forEach((l, j) => out.push(`<text x="${x + fw / 2}" y="${flowTop + 30 + j * 18}" font-size="14" text-anchor="middle">${esc(l)}</text>`));
    if (i > 0) out.push(`<line x1="${x - 30}" y1="${flowTop + 55}" x2="${x - 2}" y2="${flowTop + 55}" stroke="#333" stroke-width="2" marker-end="url(#a)"/>`);
  });
  out.push(`<text x="25" y="${flowTop + 140}" font-size="13" fill="#555">Every component verifies each request on its own: the handler re-validates input and checks ownership in SQL; the ALB entry verifies the JWT itself.</text>`);

  // Stacks
  boxes.forEach((b, i) => {
    const x = 25 + i * colW;
    out.push(`<rect x="${x}" y="${boxTop}" width="${colW - 15}" height="${boxH}" rx="8" fill="#f7f7f7" stroke="#444"/>`);
    out.push(`<text x="${x + 10}" y="${boxTop + 24}" font-size="15" font-weight="bold">${esc(b.title)}</text>`);
    out.push(`<text x="${x + 10}" y="${boxTop + 42}" font-size="12" fill="#555">${esc(b.subtitle)}</text>`);
    b.lines.forEach((l, j) => out.push(`<text x="${x + 10}" y="${boxTop + 66 + j * lineH}" font-size="12">${esc(l)}</text>`));
    if (i > 0) out.push(`<line x1="${x - 15}" y1="${boxTop + boxH / 2}" x2="${x - 1}" y2="${boxTop + boxH / 2}" stroke="#888" stroke-width="1.5" marker-end="url(#a)"/>`);
  });
  out.push(`<text x="25" y="${H - 25}" font-size="12" fill="#555">Arrows between stacks: deployment order (the api stack reads the VPC, the database and the issuer). cdk-nag packs and Control Tower controls run on every stack at synth.</text>`);
  if (withoutLoadBalancer.length > 0) {
    out.push(`<text x="25" y="${H - 8}" font-size="12" fill="#555">${esc(`Stages with loadBalancer: false (${withoutLoadBalancer.join(', ')}) have no LoadBalancer, AlbFunction or ALB web ACL: the REST API is their one entry point.`)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if ((cur + ' ' + w).trim().length > width && cur) { lines.push(cur); cur = w; } else cur = `${cur} ${w}`.trim();
  }
  if (cur) lines.push(cur);
  return lines;
}

if (require.main === module) {
  const svg = renderDiagram();
  writeOrCheck(DIAGRAM_PATH, svg, 'npm run diagram');
}
