// The 3D activity view's one ES module (wwwroot/js/scene.js once bundled, served as
// _content/AgentPulse.Web.Scene/js/scene.js). The page imports it only on /3d, with
// IJSRuntime.InvokeAsync<IJSObjectReference>("import", …), and creates one view per visit; the view is
// disposed when the page leaves /3d. State flows one way: C# sends snapshots, the scene shows them; the
// scene never talks to the server.
import { EngineStore, RegisterStandardEngineExtensions, RegisterStandardMaterial, RegisterTexture } from '@babylonjs/core/pure';
import { ActivityView } from './view.js';
import { vrSupport } from './xr.js';

// Babylon's pure imports leave registration to the application: only what this scene uses.
RegisterStandardEngineExtensions();
RegisterStandardMaterial();
RegisterTexture();

const moduleEvaluatedAt = performance.now();
const views = new Set();
const counts = { created: 0, disposed: 0, lateUpdates: 0 };

/**
 * Builds a view on the canvas. host is the C# component (a DotNetObjectReference): told of VR state
 * changes through OnVrStateChanged(state) until the view is disposed.
 */
export function create(canvas, host) {
  const view = new ActivityView(canvas, {
    onVrState: state => host?.invokeMethodAsync('OnVrStateChanged', state),
  });
  views.add(view);
  counts.created++;
  return {
    /** A snapshot from C#, as JSON (serialized there with a source-generated context). */
    update(json) {
      if (view.disposed) {
        counts.lateUpdates++;
        return;
      }
      view.update(JSON.parse(json));
    },
    vrSupport,
    enterVr: () => view.enterVr(),
    exitVr: () => view.exitVr(),
    resetView: () => view.resetView(),
    dispose() {
      if (view.disposed) return;
      view.dispose();
      views.delete(view);
      counts.disposed++;
    },
  };
}

/**
 * The test hook: what the scene holds and shows. engines counts Babylon's live engines (its own registry),
 * views the views not yet disposed, lateUpdates the snapshots sent to a view after its disposal. The view
 * draws a few more frames after being asked, so what this reports is also what the screen shows.
 */
export function inspect() {
  const latest = [...views].at(-1);
  latest?.wake(300);
  return {
    views: views.size,
    engines: EngineStore.Instances.length,
    ...counts,
    moduleEvaluatedAt,
    view: latest?.describe() ?? null,
  };
}
