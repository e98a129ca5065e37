#!/usr/bin/env node
// The `mlaas` executable: hands over to the compiled CLI.
import '../dist/src/cli/main.js';
