#!/usr/bin/env node
import { runCli } from './cli.js';

// Sets the exit code and lets the process end by itself, so stdout and stderr are flushed first.
process.exitCode = await runCli(process.argv.slice(2));
