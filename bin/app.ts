#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildBaseline } from '../lib/baseline';
import { addRulePacks } from '../lib/compliance';
import { loadConfig } from '../lib/config';
import { buildPipeline } from '../lib/stacks/pipeline-stack';

const app = new App();
addRulePacks(app);
const config = loadConfig(app);
buildBaseline(app, config);
buildPipeline(app, config);
app.synth();
