#!/usr/bin/env node
// The `segkit` command of @segkit/cli. The bin is this committed launcher rather than dist/main.js itself because
// npm links a bin only if its file exists at install time, and in a fresh clone dist/ is built later (prepare).
import '../dist/main.js';
