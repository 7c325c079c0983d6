/**
 * SecurityBaseline at scale: a stock aws-cdk-lib app of 16 stacks (a VPC, an ALB and a REST API per stack, plus
 * units of a bucket with its policy, a function with its role and policy, a log group, a queue, a table, a topic
 * and a key), at about 1,400 and 5,600 resources. Each round builds and synthesizes the app three times, in a
 * rotating order: without checks, with the SecurityBaseline Aspect (report mode, the default), and with cdk-nag's
 * AwsSolutions pack. The ratio of a row is the time it adds over the plain synth of the same round, divided by that
 * synth's time (median of the per-round ratios): goal at 5,600 resources, the Aspect adds at most 0.35x. Times are
 * the process's CPU time (build and synth), so the load of other processes on a shared machine moves them little.
 *
 * Opt-in (minutes): `npm run bench -- aspect-scale`. `BENCH_ASPECT_ROUNDS` rounds per size (default 5),
 * `BENCH_ASPECT_SIZES` the sizes in units per stack (default `5,23`: about 1,500 and 5,500 resources).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { App, Aspects, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SecurityBaseline } from '../lib';
import { BenchRow, BenchSection, median } from './types';

const STACKS = 16;

/** One stock stack: shared VPC, ALB and REST API, then `units` groups of everyday resources. */
export function stockStack(app: App, index: number, units: number): void {
  const stack = new Stack(app, `Service${index}`, { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [
    { name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  alb.addListener('Http', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(200, { messageBody: 'ok' }) });
  const api = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false });
  for (let u = 0; u < units; u++) {
    const bucket = new s3.Bucket(stack, `Bucket${u}`, { enforceSSL: true });
    const fn = new lambda.Function(stack, `Fn${u}`, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'), timeout: Duration.seconds(5) });
    bucket.grantRead(fn);
    new logs.LogGroup(stack, `Logs${u}`, { retention: logs.RetentionDays.ONE_MONTH });
    new sqs.Queue(stack, `Queue${u}`);
    new dynamodb.Table(stack, `Table${u}`, { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    new sns.Topic(stack, `Topic${u}`);
    new kms.Key(stack, `Key${u}`);
    api.root.addResource(`r${u}`).addMethod('GET', new apigateway.LambdaIntegration(fn));
  }
}

type Contender = 'plain' | 'aspect' | 'nag';

/**
 * Builds the app and synthesizes it with the contender's checks; returns the process's CPU time (user + system) in
 * ms, which other processes on a shared machine inflate far less than wall time, the wall time, and the resource count.
 */
function synthOnce(units: number, contender: Contender): { ms: number; wallMs: number; resources: number } {
  const outdir = mkdtempSync(join(os.tmpdir(), 'bench-aspect-'));
  try {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    for (let i = 0; i < STACKS; i++) stockStack(app, i, units);
    if (contender === 'aspect') Aspects.of(app).add(new SecurityBaseline());
    if (contender === 'nag') Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // both checks find something in a stock app; the report is part of the cost
    }
    const used = process.cpuUsage(cpu);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    return { ms: (used.user + used.system) / 1000, wallMs, resources: app.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function run(): Promise<BenchRow[]> {
  const rounds = Number(process.env.BENCH_ASPECT_ROUNDS ?? 5);
  const sizes = (process.env.BENCH_ASPECT_SIZES ?? '5,23').split(',').map(Number);
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false'; // aws-cdk-lib's built-in template validation is the same in every contender
  const rows: BenchRow[] = [];
  try {
    for (const units of sizes) {
      const times: Record<Contender, number[]> = { plain: [], aspect: [], nag: [] };
      const ratios: Record<'aspect' | 'nag', number[]> = { aspect: [], nag: [] };
      let resources = 0;
      synthOnce(units, 'plain'); // warm-up: module loading and JIT
      for (let r = 0; r < rounds; r++) {
        const order: Contender[] = (['plain', 'aspect', 'nag'] as Contender[]).map((_c, i, all) => all[(i + r) % all.length]);
        const round: Partial<Record<Contender, number>> = {};
        for (const contender of order) {
          collect();
          const t = synthOnce(units, contender);
          round[contender] = t.ms;
          resources = t.resources;
          times[contender].push(t.ms);
        }
        ratios.aspect.push((round.aspect! - round.plain!) / round.plain!);
        ratios.nag.push((round.nag! - round.plain!) / round.plain!);
        console.error(`  ${resources} resources, round ${r + 1}: plain ${round.plain!.toFixed(0)} ms CPU, aspect +${(ratios.aspect.at(-1)! * 100).toFixed(0)}%, nag +${(ratios.nag.at(-1)! * 100).toFixed(0)}%`);
      }
      const goal = units === Math.max(...sizes) ? 'goal <= 0.35x' : 'about linear from here';
      rows.push({ name: `${resources} resources, ${STACKS} stacks: synth without checks`, usPerOp: median(times.plain) * 1000, note: `${(median(times.plain) / 1000).toFixed(1)} s CPU (reference)` });
      rows.push({ name: `${resources} resources: + SecurityBaseline (report)`, usPerOp: median(times.aspect) * 1000, ratio: median(ratios.aspect), ratioOf: 'x added', note: goal });
      rows.push({ name: `${resources} resources: + cdk-nag AwsSolutions`, usPerOp: median(times.nag) * 1000, ratio: median(ratios.nag), ratioOf: 'x added', note: 'the peer' });
    }
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
  return rows;
}

export const aspectScaleSection: BenchSection = { name: 'aspect-scale', run, optIn: true };
