#!/usr/bin/env node
/** Entry point of `waarp-gateway` (see cli.ts); the exit code says what went wrong (exit-codes.ts). */
import { run } from './cli.js';

process.exitCode = await run(process.argv.slice(2));
