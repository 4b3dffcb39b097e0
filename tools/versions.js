#!/usr/bin/env node
// Keeps the platform packages' versions in step with blasnet's: every npm/<platform>/package.json gets
// the root package.json's version. tools/pack-all.js runs it before packing, and `npm version` runs it
// (package.json's `version` script), so a release bumps all three together.
//
//   node tools/versions.js          writes the version where it differs, prints what it changed
//   node tools/versions.js --check  changes nothing; exits 1 when a version differs
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { PLATFORMS, root } = require('./platforms');

function syncVersions({ check = false } = {}) {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const stale = [];
  for (const platform of PLATFORMS) {
    const file = path.join(platform.dir, 'package.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (manifest.name !== platform.name)
      throw new Error(`${file} names ${manifest.name}, tools/platforms.js ${platform.name}`);
    if (manifest.version === version) continue;
    stale.push(`${platform.name} ${manifest.version} -> ${version}`);
    if (!check) fs.writeFileSync(file, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  }
  return { version, stale };
}

module.exports = { syncVersions };

if (require.main === module) {
  const check = process.argv.includes('--check');
  const { version, stale } = syncVersions({ check });
  if (stale.length === 0) console.log(`blasnet versions: every platform package is at ${version}`);
  for (const line of stale) console.log(`blasnet versions: ${check ? 'differs' : 'set'} ${line}`);
  process.exit(check && stale.length > 0 ? 1 : 0);
}
