// Bundles the 3D view's scene (scene/*.js and the parts of Babylon.js it imports) into one ES module,
// wwwroot/js/scene.js, tree-shaken and minified. Run by AgentPulse.Web.Scene.csproj (target BuildSceneBundle)
// when an input is newer than the bundle; `npm run build` does the same by hand.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const project = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// The scene runs on WebGL only (an Engine, never a WebGPUEngine), so Babylon's WGSL shaders, which its
// materials import on demand for WebGPU, are never loaded: they become empty modules instead of a fifth of
// the bundle.
const webGlOnly = {
  name: 'webgl-only',
  setup(builder) {
    builder.onResolve({ filter: /[\\/]ShadersWGSL[\\/]/ }, args => ({ path: args.path, namespace: 'webgl-only' }));
    builder.onLoad({ filter: /.*/, namespace: 'webgl-only' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

await build({
  absWorkingDir: project,
  entryPoints: ['scene/scene.js'],
  outfile: 'wwwroot/js/scene.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  treeShaking: true,
  // Babylon's licence headers, once, at the end of the file.
  legalComments: 'eof',
  logLevel: 'warning',
  plugins: [webGlOnly],
});
