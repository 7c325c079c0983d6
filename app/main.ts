#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildBaseline } from './baseline';
import { RulePacks } from '../lib/compliance';
import { loadConfig } from './config';
import { buildPipeline } from './stacks/pipeline-stack';

const app = new App();
RulePacks.addTo(app);
const config = loadConfig(app);
buildBaseline(app, config);
buildPipeline(app, config);
app.synth();
