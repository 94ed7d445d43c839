// VR through Babylon's WebXR support, entered from the page's own "Enter VR" button (Babylon's default
// overlay is not used: it treats only https and the host name localhost as secure, and throws on
// http://127.0.0.1, which browsers do treat as secure).
import { WebXRExperienceHelper, WebXRState } from '@babylonjs/core/pure';

const stateNames = {
  [WebXRState.ENTERING_XR]: 'entering',
  [WebXRState.EXITING_XR]: 'exiting',
  [WebXRState.IN_XR]: 'in-vr',
  [WebXRState.NOT_IN_XR]: 'not-in-vr',
};

/** Whether this browser can show the scene in a headset, and if not, why not, in a person's words. */
export async function vrSupport() {
  if (!window.isSecureContext) {
    return { available: false, reason: 'VR needs a secure page: open AgentPulse over https (or on localhost).' };
  }
  if (!navigator.xr) {
    return { available: false, reason: 'This browser has no WebXR support. Open this page in a VR-capable browser, such as the one in your headset.' };
  }
  try {
    if (await navigator.xr.isSessionSupported('immersive-vr')) {
      return { available: true, reason: null };
    }
    return { available: false, reason: 'No VR headset was found. Connect one (with its runtime running) and reload this page.' };
  } catch {
    return { available: false, reason: 'This page is not allowed to use VR (a permissions policy blocks it).' };
  }
}

/** One scene's way in and out of VR. */
export class VrMode {
  constructor(scene, onState) {
    this.scene = scene;
    this.onState = onState;
    this.helper = null;
    this.state = 'not-in-vr';
  }

  async enter() {
    if (!this.helper) {
      this.helper = await WebXRExperienceHelper.CreateAsync(this.scene);
      this.helper.onStateChangedObservable.add(state => {
        this.state = stateNames[state];
        this.onState(this.state);
      });
    }
    await this.helper.enterXRAsync('immersive-vr', 'local-floor');
  }

  async exit() {
    await this.helper?.exitXRAsync();
  }

  get camera() {
    return this.helper?.camera ?? null;
  }

  dispose() {
    this.helper?.dispose();
    this.helper = null;
  }
}
