#!/usr/bin/env node
import { program } from './program.js';
import { run } from './run.js';

run(program, process.argv);
