#!/usr/bin/env node
import { program } from './program.js';
import { run } from './run.js';
import { releaseImageLocksOnSignals } from '../index.js';
import { waitArgs } from './volume.js';

releaseImageLocksOnSignals();
run(program, waitArgs(process.argv));
