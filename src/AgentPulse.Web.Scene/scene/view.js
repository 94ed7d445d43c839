// One 3D view of the page's state: built on a canvas, fed snapshots from C# (coalesced to at most ten a
// second), rendered only while something moves, and disposed with the view.
import {
  ArcRotateCamera, Color3, CreateBox, CreateGround, DirectionalLight, DynamicTexture, Engine, HemisphericLight,
  Matrix, Scene, StandardMaterial, Texture, TransformNode, Vector3,
} from '@babylonjs/core/pure';
import { Station, podsPerRow } from './stations.js';
import { QueuedToken, ShelfToken, TaskPod, podHeight } from './tasks.js';
import { NotificationPanel, StatusSign } from './hud.js';
import { VrMode } from './xr.js';
import { card, disposeLabel, labelPlane, text } from './labels.js';
import { background, css, floor, floorLine, shelf as shelfColor } from './palette.js';

const stationSpacing = 6.4;
const shelfSlots = 8;
const shelfSpacing = 1.9;
const shelfZ = 4.4;
const shelfHeight = 2.4;
const shelfTop = shelfHeight + 0.12;
// How far in front of a person in a headset the stations stand.
const vrDistance = 5.5;

export class ActivityView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onVrState?: (state: string) => void }} host
   */
  constructor(canvas, host = {}) {
    this.createdAt = performance.now();
    this.canvas = canvas;
    this.host = host;
    this.disposed = false;
    this.frames = 0;
    this.firstFrameAt = null;
    this.wakeUntil = 0;
    this.userMovedCamera = false;

    // Throws when the browser has no WebGL; the caller says so on the page.
    this.engine = new Engine(canvas, true, { loseContextOnDispose: true, stencil: true, powerPreference: 'high-performance' }, false);
    this.engine.setHardwareScalingLevel(1 / Math.min(window.devicePixelRatio || 1, 2));
    const scene = this.scene = new Scene(this.engine);
    scene.clearColor = background;
    scene.skipPointerMovePicking = true;
    scene.autoClearDepthAndStencil = true;

    const camera = this.camera = new ArcRotateCamera('camera', -Math.PI / 2, 1.1, 14, new Vector3(0, 1.6, 0.4), scene);
    camera.lowerRadiusLimit = 6;
    camera.upperRadiusLimit = 34;
    camera.lowerBetaLimit = 0.3;
    camera.upperBetaLimit = 1.42;
    camera.wheelDeltaPercentage = 0.02;
    camera.panningSensibility = 600;
    camera.minZ = 0.1;
    camera.attachControl(true);

    this.hemi = new HemisphericLight('sky', new Vector3(0.2, 1, -0.3), scene);
    this.hemi.intensity = 0.95;
    this.hemi.groundColor = new Color3(0.12, 0.14, 0.2);
    const sun = new DirectionalLight('sun', new Vector3(-0.4, -1, 0.6), scene);
    sun.intensity = 0.35;

    // Everything but the cameras: on a screen it stays put; in a headset it is moved in front of the
    // person, who stands at the origin of their floor.
    this.world = new TransformNode('world', scene);
    this.buildFloor();
    this.buildShelf();
    this.sign = new StatusSign(scene, this.world);
    this.sign.set({ state: 'connecting', text: 'Connecting…' });
    this.panel = new NotificationPanel(scene);
    this.hint = this.buildHint();

    this.stations = new Map();
    this.entities = new Map();
    this.leaving = new Set();
    this.shelfOrder = [];
    this.vr = new VrMode(scene, state => {
      this.world.position.z = state === 'not-in-vr' ? 0 : vrDistance;
      this.wake();
      this.panel.follow();
      this.host.onVrState?.(state);
    });

    this.listen();
    this.frame();
    let last = performance.now();
    this.engine.runRenderLoop(() => {
      const now = performance.now();
      const dt = Math.min(0.1, (now - last) / 1000);
      last = now;
      const busy = this.step(dt);
      if (busy || this.cameraMoving() || now < this.wakeUntil || this.vr.state !== 'not-in-vr') {
        scene.render();
        this.frames++;
        if (this.firstFrameAt === null) {
          this.firstFrameAt = performance.now();
          performance.mark('agentpulse-scene-first-frame');
        }
      }
    });
    this.wake();
  }

  buildFloor() {
    const size = 60;
    const ground = CreateGround('floor', { width: size, height: size }, this.scene);
    ground.isPickable = false;
    ground.position.z = 4;
    // Blended first of everything transparent: it lies under all of it.
    ground.alphaIndex = 0;
    ground.parent = this.world;
    const material = new StandardMaterial('floor', this.scene);
    // A grid of 2-unit squares...
    const grid = new DynamicTexture('floor-grid', { width: 256, height: 256 }, this.scene, true);
    const context = grid.getContext();
    context.fillStyle = floor.toHexString();
    context.fillRect(0, 0, 256, 256);
    context.strokeStyle = floorLine;
    context.lineWidth = 3;
    context.strokeRect(0, 0, 256, 256);
    grid.update();
    grid.uScale = grid.vScale = size / 2;
    grid.anisotropicFilteringLevel = 8;
    // ...that fades into the background towards the edges, so the floor has no horizon line.
    const fade = new DynamicTexture('floor-fade', { width: 256, height: 256 }, this.scene, true);
    const alpha = fade.getContext();
    const gradient = alpha.createRadialGradient(128, 128, 30, 128, 128, 128);
    gradient.addColorStop(0, 'rgba(255,255,255,1)');
    gradient.addColorStop(1, 'rgba(255,255,255,0)');
    alpha.fillStyle = gradient;
    alpha.fillRect(0, 0, 256, 256);
    fade.update();
    fade.hasAlpha = true;
    fade.wrapU = fade.wrapV = Texture.CLAMP_ADDRESSMODE;
    material.diffuseTexture = grid;
    material.opacityTexture = fade;
    material.specularColor = Color3.Black();
    ground.material = material;
  }

  buildShelf() {
    const width = shelfSlots * shelfSpacing + 0.5;
    const material = new StandardMaterial('shelf', this.scene);
    material.diffuseColor = shelfColor;
    material.specularColor = Color3.Black();
    const board = CreateBox('shelf', { width, height: 0.12, depth: 0.8 }, this.scene);
    board.position.set(0, shelfHeight + 0.06, shelfZ);
    board.material = material;
    board.parent = this.world;
    for (const x of [-width / 2 + 0.3, width / 2 - 0.3]) {
      const post = CreateBox('shelf-post', { width: 0.12, height: shelfHeight, depth: 0.12 }, this.scene);
      post.position.set(x, shelfHeight / 2, shelfZ + 0.2);
      post.material = material;
      post.parent = this.world;
    }
    const { plane, texture } = labelPlane('shelf-title', this.scene, 3.4, 0.34, { billboard: false });
    plane.parent = this.world;
    plane.position.set(0, shelfHeight - 0.24, shelfZ - 0.4);
    const title = text('RECENTLY FINISHED', { size: 72, weight: 'bold', color: css.muted, align: 'center' });
    texture.addControl(title);
  }

  buildHint() {
    const label = labelPlane('empty-hint', this.scene, 5.4, 0.9);
    label.plane.parent = this.world;
    label.plane.position.set(0, 1.3, 0);
    const box = card({ radius: 30, thickness: 3 });
    label.texture.addControl(box);
    const first = text('No agent has reported yet.', { size: 78, weight: 'bold', align: 'center' });
    first.top = '-46px';
    const second = text('Upload a document: its indexing task appears here.', { size: 60, color: css.muted, align: 'center' });
    second.top = '54px';
    box.addControl(first);
    box.addControl(second);
    return label;
  }

  listen() {
    const wake = () => this.wake(1200);
    const moved = () => { this.userMovedCamera = true; wake(); };
    this.handlers = [
      ['pointerdown', moved], ['wheel', moved], ['keydown', moved],
      ['pointermove', e => { if (e.buttons) wake(); }],
    ];
    for (const [type, handler] of this.handlers) this.canvas.addEventListener(type, handler, { passive: true });
    this.resizeObserver = new ResizeObserver(() => {
      this.engine.resize();
      this.panel.place();
      if (!this.userMovedCamera) this.frame();
      this.wake();
    });
    this.resizeObserver.observe(this.canvas);
  }

  /** Renders for at least the next ms milliseconds. */
  wake(ms = 900) {
    this.wakeUntil = Math.max(this.wakeUntil, performance.now() + ms);
  }

  cameraMoving() {
    const c = this.camera;
    return c.inertialAlphaOffset !== 0 || c.inertialBetaOffset !== 0 || c.inertialRadiusOffset !== 0
      || c.inertialPanningX !== 0 || c.inertialPanningY !== 0;
  }

  /** Applies a snapshot of the page's state: the connection, the stations, the tasks, the notifications. */
  update(snapshot) {
    this.snapshot = snapshot;
    this.sign.set(snapshot.status);
    this.hemi.intensity = snapshot.status.state === 'connected' ? 0.95 : 0.5;
    this.panel.set(snapshot.notifications);
    this.syncStations(snapshot.stations);
    this.syncTasks(snapshot.tasks);
    this.wake();
  }

  syncStations(agents) {
    let added = false;
    for (const agent of agents) {
      if (!this.stations.has(agent)) {
        this.stations.set(agent, new Station(this.scene, this.world, agent));
        added = true;
      }
    }
    this.hint.plane.isVisible = this.stations.size === 0;
    if (!added) return;
    const all = [...this.stations.values()];
    all.forEach((station, i) => station.root.position.set((i - (all.length - 1) / 2) * stationSpacing, 0, 0));
    if (!this.userMovedCamera) this.frame();
  }

  /** Points the camera at everything: the stations, their queues and the shelf, whatever the canvas's shape. */
  frame() {
    const camera = this.camera;
    const stationsExtent = this.stations.size * stationSpacing / 2;
    const shelfExtent = shelfSlots * shelfSpacing / 2;
    // The shelf is further back, so it looks narrower than it is.
    const halfWidth = Math.max(stationsExtent + 0.8, shelfExtent * 0.66);
    const halfHeight = 3.6;
    const tan = Math.tan(camera.fov / 2);
    const aspect = this.engine.getAspectRatio(camera) || 1.5;
    camera.alpha = -Math.PI / 2;
    camera.beta = 1.1;
    camera.radius = Math.min(34, Math.max(9, halfWidth / (tan * aspect), halfHeight / tan));
    camera.target.set(0, 1.6, 0.4);
    this.wake();
  }

  /** Back to the view that shows everything. */
  resetView() {
    this.userMovedCamera = false;
    this.frame();
  }

  syncTasks(tasks) {
    const seen = new Set();
    const onStation = new Map([...this.stations.keys()].map(agent => [agent, { pods: [], queued: [] }]));
    const finished = [];
    for (const task of tasks) {
      seen.add(task.id);
      let entity = this.entities.get(task.id);
      const station = this.stations.get(task.agent);
      if (!station) continue;
      if (task.status === 'running') {
        if (entity instanceof TaskPod) {
          entity.update(task);
        } else {
          const from = entity?.root.position.clone() ?? station.podPosition(0, 1);
          entity?.dispose();
          entity = new TaskPod(this.scene, this.world, task, from);
          this.entities.set(task.id, entity);
        }
        onStation.get(task.agent).pods.push(entity);
      } else if (task.status === 'queued') {
        if (entity instanceof QueuedToken) {
          entity.update(task);
        } else {
          entity?.dispose();
          entity = new QueuedToken(this.scene, this.world, task, station.queuePosition(onStation.get(task.agent).queued.length));
          this.entities.set(task.id, entity);
        }
        onStation.get(task.agent).queued.push(entity);
      } else {
        finished.push(task.id);
        if (entity instanceof TaskPod) {
          if (!entity.flash) entity.finish(task.status);
          entity.update(task);
          entity.finishedTask = task;
          // It keeps its place on the platform while it flashes.
          onStation.get(task.agent).pods.push(entity);
        } else if (entity instanceof ShelfToken) {
          entity.update(task);
        } else {
          // Finished before this view saw it run (the snapshot at load): straight to the shelf.
          const from = entity?.root.position.clone();
          entity?.dispose();
          entity = new ShelfToken(this.scene, this.world, task, from ?? new Vector3(0, shelfTop, shelfZ));
          this.entities.set(task.id, entity);
        }
      }
    }
    for (const [id, entity] of this.entities) {
      if (!seen.has(id)) {
        this.entities.delete(id);
        entity.targetScale = 0;
        this.leaving.add(entity);
      }
    }
    this.shelfOrder = finished;
    for (const [agent, { pods, queued }] of onStation) {
      const station = this.stations.get(agent);
      pods.forEach((pod, i) => {
        pod.moveTo(station.podPosition(i, pods.length));
        pod.setSlot(i % podsPerRow, Math.floor(i / podsPerRow));
      });
      queued.forEach((token, i) => token.moveTo(station.queuePosition(i)));
      station.setCounts(pods.filter(p => !p.flash).length, queued.length);
    }
    finished.forEach((id, i) => {
      const entity = this.entities.get(id);
      if (entity instanceof ShelfToken) entity.moveTo(this.shelfPosition(i));
    });
  }

  /** The shelf's index-th place, newest first from the left, the row centred on the shelf. */
  shelfPosition(index) {
    const count = Math.max(1, this.shelfOrder.length);
    return new Vector3((index - (count - 1) / 2) * shelfSpacing, shelfTop, shelfZ);
  }

  /** Advances every animation by dt seconds; true while anything still moves. */
  step(dt) {
    let busy = this.sign.step(dt);
    for (const [id, entity] of this.entities) {
      busy = entity.step(dt) || busy;
      if (entity instanceof TaskPod && entity.flashed) {
        // The flash is over: the task leaves the platform for its place on the shelf.
        const token = new ShelfToken(this.scene, this.world, entity.finishedTask, entity.root.position.add(new Vector3(0, podHeight / 2, 0)), entity);
        const slot = this.shelfOrder.indexOf(id);
        token.moveTo(this.shelfPosition(slot < 0 ? 0 : slot));
        token.scale = 0.4;
        entity.dispose();
        this.entities.set(id, token);
        busy = true;
      }
    }
    for (const entity of this.leaving) {
      entity.step(dt);
      if (entity.scale < 0.02) {
        entity.dispose();
        this.leaving.delete(entity);
      }
      busy = true;
    }
    return busy;
  }

  enterVr() {
    return this.vr.enter();
  }

  exitVr() {
    return this.vr.exit();
  }

  /** Where a world point is on the page, in CSS pixels. */
  toPage(point) {
    const engine = this.engine;
    const camera = this.scene.activeCamera;
    const width = engine.getRenderWidth(), height = engine.getRenderHeight();
    const projected = Vector3.Project(point, Matrix.IdentityReadOnly, this.scene.getTransformMatrix(), camera.viewport.toGlobal(width, height));
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + projected.x * rect.width / width, y: rect.top + projected.y * rect.height / height };
  }

  /** What the scene shows, for tests and for the curious (window console: (await import('/_content/AgentPulse.Web.Scene/js/scene.js')).inspect()). */
  describe() {
    const tasks = [];
    for (const entity of this.entities.values()) {
      if (entity instanceof TaskPod) {
        const [bottom, top] = entity.columnEnds();
        tasks.push({ ...entity.describe(), column: { bottom: this.toPage(bottom), top: this.toPage(top) } });
      } else if (entity instanceof QueuedToken) {
        tasks.push({ ...entity.describe(), at: this.toPage(entity.root.getAbsolutePosition()) });
      }
    }
    const shelf = [...this.entities.values()].filter(e => e instanceof ShelfToken)
      .map(e => ({ ...e.describe(), slot: this.shelfOrder.indexOf(e.id), at: this.toPage(e.root.getAbsolutePosition().add(new Vector3(0, 0.18, 0))) }));
    const corners = this.panel.corners().map(c => this.toPage(c));
    return {
      frames: this.frames,
      firstFrameMs: this.firstFrameAt === null ? null : this.firstFrameAt - this.createdAt,
      status: this.sign.describe(),
      stations: [...this.stations.values()].map(s => ({ agent: s.agent, counts: s.counts.text, at: this.toPage(s.root.getAbsolutePosition()) })),
      tasks,
      taskMeshes: this.scene.meshes.filter(m => m.metadata?.kind === 'task').length,
      shelfMeshes: this.scene.meshes.filter(m => m.metadata?.kind === 'shelf').length,
      shelf,
      notifications: { ...this.panel.describe(), corners },
      vr: { state: this.vr.state, camera: this.scene.activeCamera?.getClassName() ?? null, eye: this.scene.activeCamera?.globalPosition.asArray().map(v => Math.round(v * 100) / 100) ?? null },
    };
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.host = {};
    this.resizeObserver.disconnect();
    for (const [type, handler] of this.handlers) this.canvas.removeEventListener(type, handler);
    this.vr.dispose();
    this.panel.dispose();
    disposeLabel(this.hint);
    this.camera.detachControl();
    this.engine.stopRenderLoop();
    this.scene.dispose();
    this.engine.dispose();
  }
}

