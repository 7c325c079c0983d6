#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildBaseline } from '../lib/baseline';
import { addRulePacks } from '../lib/compliance/rule-packs';
import { loadConfig } from '../lib/config';

const app = new App();
addRulePacks(app);
buildBaseline(app, loadConfig(app));
app.synth();
