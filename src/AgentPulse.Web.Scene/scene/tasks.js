// Tasks in the scene. A running task is a pod on its agent's platform whose column fills with its
// progress, under a label that says what it does; a queued task is a block waiting in line; a finished
// task flashes green or red and then moves to the history shelf as a token.
import { Color3, CreateBox, CreateCylinder, CreateTorus, StandardMaterial, TransformNode, Vector3 } from '@babylonjs/core/pure';
import { agentColor, agentHex, completed, css, failed, track } from './palette.js';
import { card, disposeLabel, labelPlane, setColor, setText, text } from './labels.js';

export const podHeight = 1.5;
const fillDiameter = 0.58;
const flashSeconds = 0.9;

/** Eases a value towards a target: most of the way in about a quarter of a second. */
export const approach = (value, target, dt, rate = 9) => value + (target - value) * Math.min(1, dt * rate);

function unlit(name, scene, color) {
  const material = new StandardMaterial(name, scene);
  material.disableLighting = true;
  material.emissiveColor = color.clone();
  return material;
}

function lit(name, scene, color) {
  const material = new StandardMaterial(name, scene);
  material.diffuseColor = color.clone();
  material.specularColor = new Color3(0.08, 0.08, 0.1);
  return material;
}

/** The base of every task entity: a root that glides to where the layout wants it, and disposal of what it made. */
class Entity {
  constructor(scene, world, id, kind, position) {
    this.id = id;
    this.kind = kind;
    this.scene = scene;
    this.root = new TransformNode(`${kind}:${id}`, scene);
    this.root.parent = world;
    this.root.position.copyFrom(position);
    this.target = position.clone();
    this.meshes = [];
    this.materials = [];
    this.labels = [];
    this.scale = 1;
    this.targetScale = 1;
  }

  /** Adds a part; the main part (one per task) is tagged with the task, for the test hook's count. */
  mesh(mesh, material, main = false) {
    mesh.parent = this.root;
    mesh.isPickable = false;
    if (main) mesh.metadata = { kind: this.kind, id: this.id };
    if (material) {
      mesh.material = material;
      this.materials.push(material);
    }
    this.meshes.push(mesh);
    return mesh;
  }

  label(name, width, height, y) {
    const label = labelPlane(`${this.kind}:${this.id}:${name}`, this.scene, width, height);
    label.plane.parent = this.root;
    label.plane.position.y = y;
    this.labels.push(label);
    return label;
  }

  moveTo(position) {
    this.target.copyFrom(position);
  }

  /** Whether it stands where the layout wants it, at its full size. */
  get settled() {
    return Vector3.DistanceSquared(this.root.position, this.target) <= 1e-6 && this.scale === this.targetScale;
  }

  /** Advances by dt seconds; true while still moving. */
  step(dt) {
    const position = this.root.position;
    const far = Vector3.DistanceSquared(position, this.target) > 1e-6;
    if (far) {
      position.x = approach(position.x, this.target.x, dt, 6);
      position.y = approach(position.y, this.target.y, dt, 6);
      position.z = approach(position.z, this.target.z, dt, 6);
    } else {
      position.copyFrom(this.target);
    }
    const scaling = Math.abs(this.scale - this.targetScale) > 1e-3;
    this.scale = scaling ? approach(this.scale, this.targetScale, dt, 10) : this.targetScale;
    this.root.scaling.setAll(Math.max(this.scale, 1e-3));
    return far || scaling;
  }

  dispose() {
    for (const label of this.labels) disposeLabel(label);
    for (const mesh of this.meshes) mesh.dispose();
    for (const material of this.materials) material.dispose();
    this.root.dispose();
  }
}

/** A running task: a column on the platform that fills as the task progresses. */
export class TaskPod extends Entity {
  constructor(scene, world, task, position) {
    super(scene, world, task.id, 'task', position);
    this.agent = task.agent;
    const color = agentColor(task.agent);
    this.color = color;

    const ring = this.mesh(CreateTorus(`task:${task.id}:ring`, { diameter: 0.86, thickness: 0.07, tessellation: 40 }, scene), unlit(`task:${task.id}:ring`, scene, color));
    ring.position.y = 0.03;
    const column = this.mesh(CreateCylinder(`task:${task.id}:track`, { diameter: 0.54, height: podHeight, tessellation: 32 }, scene), lit(`task:${task.id}:track`, scene, track));
    column.position.y = podHeight / 2 + 0.04;
    this.fillMaterial = unlit(`task:${task.id}:fill`, scene, color);
    this.fill = this.mesh(CreateCylinder(`task:${task.id}:fill`, { diameter: fillDiameter, height: 1, tessellation: 32 }, scene), this.fillMaterial, true);
    const cap = this.mesh(CreateTorus(`task:${task.id}:cap`, { diameter: 0.58, thickness: 0.06, tessellation: 32 }, scene), unlit(`task:${task.id}:cap`, scene, color.scale(0.6)));
    cap.position.y = podHeight + 0.05;

    const { texture, plane } = this.label('label', 2.1, 0.56, podHeight + 0.55);
    this.labelPlane = plane;
    const background = card({ border: agentHex(task.agent), radius: 22, thickness: 3 });
    texture.addControl(background);
    this.title = text('', { size: 60, weight: 'bold' });
    this.title.top = '-40px';
    this.percent = text('', { size: 60, weight: 'bold', color: agentHex(task.agent) });
    this.percent.top = '38px';
    this.detail = text('', { size: 48, color: css.muted });
    this.detail.top = '40px';
    for (const block of [this.title, this.percent, this.detail]) {
      block.paddingLeft = block === this.detail ? '200px' : '26px';
      block.paddingRight = '22px';
      background.addControl(block);
    }
    this.card = background;

    this.shown = 0;
    this.progress = 0;
    this.flash = null;
    this.scale = 0.01;
    this.update(task);
    this.layoutFill();
  }

  update(task) {
    this.task = task;
    if (!this.flash) {
      this.progress = Math.min(1, Math.max(0, task.progress));
      setText(this.percent, `${Math.floor(this.progress * 100)}%`);
    }
    setText(this.title, task.title);
    const detail = this.flash && task.outcome ? task.outcome : [task.stage ?? 'starting', task.message].filter(Boolean).join(' · ');
    setText(this.detail, detail);
  }

  /**
   * Places the label: every other pod's label higher, so neighbours' labels do not overlap; a second row's
   * labels above the first row's.
   */
  setSlot(column, row) {
    this.labelPlane.position.y = podHeight + 0.5 + (column % 2) * 0.64 + row * 1.28;
  }

  /** Ends the task: the column flashes in the outcome's colour; then the view moves it to the shelf. */
  finish(status) {
    const color = status === 'failed' ? failed : completed;
    const hex = status === 'failed' ? css.danger : css.success;
    if (status !== 'failed') this.progress = 1;
    this.flash = { status, color, elapsed: 0 };
    this.fillMaterial.emissiveColor.copyFrom(color);
    setColor(this.card, hex);
    setColor(this.percent, hex);
    setText(this.percent, status === 'failed' ? '✕' : '✓');
  }

  /** True once the flash is over. */
  get flashed() {
    return this.flash !== null && this.flash.elapsed >= flashSeconds;
  }

  layoutFill() {
    // A full column rises just above the track's top, so the two tops never fight for the same pixels.
    const height = Math.max(this.shown, 0.004) * (podHeight + 0.02);
    this.fill.scaling.y = height;
    this.fill.position.y = 0.04 + height / 2;
  }

  step(dt) {
    let busy = super.step(dt);
    if (Math.abs(this.shown - this.progress) > 5e-4) {
      this.shown = approach(this.shown, this.progress, dt);
      busy = true;
    } else {
      this.shown = this.progress;
    }
    this.layoutFill();
    if (this.flash && this.flash.elapsed < flashSeconds) {
      this.flash.elapsed += dt;
      // Three pulses from white-hot to the outcome's colour.
      const pulse = 0.5 + 0.5 * Math.cos(this.flash.elapsed / flashSeconds * Math.PI * 6);
      Color3.LerpToRef(this.flash.color, Color3.White(), pulse * 0.65, this.fillMaterial.emissiveColor);
      const swell = 1 + 0.12 * pulse;
      this.fill.scaling.x = swell;
      this.fill.scaling.z = swell;
      busy = true;
    } else if (this.flash) {
      this.fillMaterial.emissiveColor.copyFrom(this.flash.color);
      this.fill.scaling.x = 1;
      this.fill.scaling.z = 1;
    }
    return busy;
  }

  /** What the test hook reports: the value the column shows, and where the column is. */
  describe() {
    return {
      id: this.id, kind: 'running', agent: this.agent, title: this.title.text, detail: this.detail.text,
      percent: this.percent.text, progress: this.progress, shown: this.shown, flashing: this.flash?.status ?? null, settled: this.settled,
      color: this.fillMaterial.emissiveColor.toHexString().toLowerCase(),
    };
  }

  /** The column's bottom and top (where an empty and a full fill end), in world space. */
  columnEnds() {
    this.root.computeWorldMatrix(true);
    const world = this.root.getWorldMatrix();
    return [Vector3.TransformCoordinates(new Vector3(0, 0.06, -fillDiameter / 2), world), Vector3.TransformCoordinates(new Vector3(0, 0.04 + podHeight, -fillDiameter / 2), world)];
  }
}

/** A task waiting for a free agent: a block in line in front of its station. */
export class QueuedToken extends Entity {
  constructor(scene, world, task, position) {
    super(scene, world, task.id, 'task', position);
    this.agent = task.agent;
    const color = agentColor(task.agent);
    const block = this.mesh(CreateBox(`queued:${task.id}`, { size: 0.42 }, scene), lit(`queued:${task.id}`, scene, color.scale(0.5)), true);
    block.position.y = 0.21;
    block.material.emissiveColor = color.scale(0.2);
    const { texture } = this.label('label', 1.4, 0.3, 0.78);
    const background = card({ radius: 16, thickness: 2 });
    texture.addControl(background);
    this.title = text('', { size: 44, color: css.text, align: 'center' });
    this.title.paddingLeft = '14px';
    this.title.paddingRight = '14px';
    background.addControl(this.title);
    this.scale = 0.01;
    this.update(task);
  }

  update(task) {
    this.task = task;
    setText(this.title, task.title);
  }

  describe() {
    return { id: this.id, kind: 'queued', agent: this.agent, title: this.task.title, settled: this.settled };
  }
}

/** A finished task on the history shelf: green for completed, red for failed, with its outcome. */
export class ShelfToken extends Entity {
  /** from: the pod it was, after its flash; null when the task was already finished when the view first saw it. */
  constructor(scene, world, task, position, from = null) {
    super(scene, world, task.id, 'shelf', position);
    this.status = task.status;
    this.from = from && { flashed: from.flash.status, progress: from.progress };
    const color = task.status === 'failed' ? failed : completed;
    const block = this.mesh(CreateBox(`shelf:${task.id}`, { width: 0.5, height: 0.36, depth: 0.5 }, scene), unlit(`shelf:${task.id}`, scene, color), true);
    block.position.y = 0.18;
    const { texture } = this.label('label', 1.8, 0.5, 0.76);
    const background = card({ border: task.status === 'failed' ? css.danger : css.success, radius: 18, thickness: 3 });
    texture.addControl(background);
    this.title = text('', { size: 58, weight: 'bold' });
    this.title.top = '-36px';
    this.outcome = text('', { size: 50, color: task.status === 'failed' ? '#fca5a5' : '#86efac' });
    this.outcome.top = '38px';
    for (const block of [this.title, this.outcome]) {
      block.paddingLeft = '16px';
      block.paddingRight = '16px';
      background.addControl(block);
    }
    this.update(task);
  }

  update(task) {
    this.task = task;
    setText(this.title, `${task.status === 'failed' ? '✕' : '✓'} ${task.title}`);
    setText(this.outcome, task.outcome ?? (task.status === 'failed' ? 'Failed' : 'Completed'));
  }

  describe() {
    return {
      id: this.id, kind: 'shelf', status: this.status, title: this.task.title, outcome: this.outcome.text,
      color: this.materials[0].emissiveColor.toHexString().toLowerCase(), settled: this.settled, from: this.from,
    };
  }
}

