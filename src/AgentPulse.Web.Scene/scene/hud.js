// What the scene says in words: the connection's status on a sign above the floor, and the page's
// notifications on a panel that follows the camera (the desktop camera, and the headset's in VR, where the
// page's own toasts cannot be seen).
import { Mesh, Vector3 } from '@babylonjs/core/pure';
import { Control, Rectangle, TextWrapping } from '@babylonjs/gui/pure';
import { card, labelPlane, setBackground, setColor, setText, stack, text } from './labels.js';
import { css, levelHex, statusHex } from './palette.js';

/** The connection's status, large, above the stations. */
export class StatusSign {
  constructor(scene, world) {
    const { plane, texture } = labelPlane('status-sign', scene, 6.4, 0.8);
    plane.parent = world;
    plane.billboardMode = Mesh.BILLBOARDMODE_Y;
    plane.position.set(0, 4.3, 5.6);
    this.plane = plane;
    this.background = card({ background: '#0f172aee', radius: 40, thickness: 5 });
    this.background.adaptWidthToChildren = true;
    this.background.height = '250px';
    texture.addControl(this.background);
    const row = stack({ vertical: false });
    row.height = '200px';
    row.paddingLeft = '60px';
    row.paddingRight = '60px';
    this.background.addControl(row);
    this.dot = new Rectangle('status-dot');
    this.dot.width = '64px';
    this.dot.height = '64px';
    this.dot.cornerRadius = 32;
    this.dot.thickness = 0;
    this.dot.paddingRight = '0px';
    row.addControl(this.dot);
    this.text = text('', { size: 96, weight: 'bold', wrap: TextWrapping.Clip, height: '160px' });
    this.text.resizeToFit = true;
    this.text.paddingLeft = '36px';
    row.addControl(this.text);
    this.state = '';
    this.elapsed = 0;
  }

  set(status) {
    const hex = statusHex(status.state);
    this.state = status.state;
    setText(this.text, status.text);
    setColor(this.text, status.state === 'connected' ? css.text : hex);
    setColor(this.background, hex);
    setBackground(this.dot, hex);
  }

  /** While the connection is not live, the dot pulses; true while it does. */
  step(dt) {
    if (this.state === 'connected') {
      this.dot.alpha = 1;
      return false;
    }
    this.elapsed += dt;
    this.dot.alpha = 0.4 + 0.6 * (0.5 + 0.5 * Math.cos(this.elapsed * Math.PI * 1.6));
    return this.state === 'connecting' || this.state === 'reconnecting';
  }

  describe() {
    return { state: this.state, text: this.text.text, color: this.background.color };
  }
}

const maxShown = 5;
const panelWidth = 1.0;
const panelHeight = 1.0;

/**
 * The page's notifications, newest first, on a panel fixed in front of whichever camera is active: top
 * right of the view on a screen, low and to the right of the gaze in a headset. Drawn over the scene.
 */
export class NotificationPanel {
  constructor(scene) {
    this.scene = scene;
    const { plane, texture } = labelPlane('notifications', scene, panelWidth, panelHeight, { billboard: false, density: 820 });
    plane.renderingGroupId = 1;
    plane.isVisible = false;
    this.plane = plane;
    this.list = stack();
    this.list.verticalAlignment = Control.VERTICAL_ALIGNMENT_TOP;
    this.list.width = '100%';
    texture.addControl(this.list);
    this.cards = [];
    this.shown = [];
    this.cameraObserver = scene.onActiveCameraChanged.add(() => this.follow());
    this.follow();
  }

  /** Parents the panel to the active camera and places it where that camera's user will see it. */
  follow() {
    const camera = this.scene.activeCamera;
    if (!camera) return;
    this.plane.parent = camera;
    this.place();
  }

  place() {
    const camera = this.plane.parent;
    if (!camera) return;
    if (camera.getClassName() === 'WebXRCamera') {
      // About 20° right of and 12° below the gaze, 1.3 m away: in view, out of the way.
      this.plane.scaling.setAll(0.55);
      this.plane.position.set(0.42, -0.26, 1.3);
      this.plane.rotation.set(0, 0.3, 0);
      return;
    }
    // The top right corner of the view, 2 units in front of the camera.
    const distance = 2;
    const engine = this.scene.getEngine();
    const aspect = engine.getAspectRatio(camera);
    const halfHeight = Math.tan(camera.fov / 2) * distance;
    const halfWidth = halfHeight * aspect;
    const scale = Math.min(0.62, halfHeight * 0.95, halfWidth * 0.55);
    this.plane.scaling.setAll(scale);
    this.plane.rotation.set(0, 0, 0);
    this.plane.position.set(halfWidth - (panelWidth * scale) / 2 - 0.04, halfHeight - (panelHeight * scale) / 2 - 0.04, distance);
  }

  /** Shows these notifications (the page's toasts, oldest first). */
  set(notifications) {
    const newest = notifications.slice(-maxShown).reverse();
    const same = newest.length === this.shown.length && newest.every((n, i) => n.id === this.shown[i].id);
    this.shown = newest;
    this.plane.isVisible = newest.length > 0;
    if (same) return;
    for (const old of this.cards) {
      this.list.removeControl(old);
      old.dispose();
    }
    this.cards = newest.map(n => this.card(n));
    for (const c of this.cards) this.list.addControl(c);
  }

  card(notification) {
    const hex = levelHex(notification.level);
    const box = card({ background: '#0f172af2', border: hex, radius: 22, thickness: 4 });
    box.height = '150px';
    box.paddingBottom = '12px';
    const bar = new Rectangle();
    bar.width = '16px';
    bar.thickness = 0;
    bar.background = hex;
    bar.horizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
    box.addControl(bar);
    const icon = text(notification.level === 'success' ? '✓' : notification.level === 'error' ? '!' : 'i', { size: 54, weight: 'bold', color: hex, align: 'center', height: '70px' });
    icon.width = '70px';
    icon.left = '26px';
    icon.horizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
    box.addControl(icon);
    const body = text(notification.title ? `${notification.title}: ${notification.message}` : notification.message, { size: 40, wrap: TextWrapping.WordWrapEllipsis, height: '120px' });
    body.paddingLeft = '106px';
    body.paddingRight = '22px';
    body.textVerticalAlignment = Control.VERTICAL_ALIGNMENT_CENTER;
    box.addControl(body);
    return box;
  }

  describe() {
    return {
      visible: this.plane.isVisible,
      camera: this.plane.parent?.getClassName() ?? null,
      items: this.shown.map(n => ({ id: n.id, level: n.level, message: n.message })),
    };
  }

  /** The panel's corners in world space (for projecting it to the screen). */
  corners() {
    this.plane.computeWorldMatrix(true);
    const world = this.plane.getWorldMatrix();
    const w = panelWidth / 2, h = panelHeight / 2;
    return [[-w, h], [w, h], [w, -h], [-w, -h]].map(([x, y]) => Vector3.TransformCoordinates(new Vector3(x, y, 0), world));
  }

  dispose() {
    this.scene.onActiveCameraChanged.remove(this.cameraObserver);
  }
}
