// Finding node-gyp and the Node headers without a download, shared by tools/prebuild.js (the platform
// packages' binaries) and tools/build-from-source.js (`npx blasnet build-from-source`, the clone's
// `npm install`).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/**
 * The node-gyp to run: a local install, the one npm names in the scripts it runs (npm_config_node_gyp),
 * npm's bundled copy beside this node, or `node-gyp` on PATH. node-gyp is not a dependency: every npm
 * ships one.
 */
function nodeGypCommand(env = process.env) {
  if (env.BLASNET_NODE_GYP) return env.BLASNET_NODE_GYP;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not installed next to blasnet
  }
  if (env.npm_config_node_gyp && fs.existsSync(env.npm_config_node_gyp)) return env.npm_config_node_gyp;
  const bundled = path.resolve(process.execPath, '../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  return fs.existsSync(bundled) ? bundled : 'node-gyp';
}

/** Points node-gyp at local Node headers (npm_config_nodedir) when there are some; says which it uses. */
function useLocalHeaders(env) {
  if (env.npm_config_nodedir) return `${env.npm_config_nodedir} (npm_config_nodedir)`;
  const prefix = path.resolve(process.execPath, '../..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    env.npm_config_nodedir = prefix;
    return `${prefix} (the headers installed with ${process.execPath})`;
  }
  return `none found beside ${process.execPath}: node-gyp will download the headers for ${process.version}`;
}

module.exports = { nodeGypCommand, useLocalHeaders };
