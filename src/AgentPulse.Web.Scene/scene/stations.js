// A station: where one agent (indexer, searcher, any source that publishes) works. A platform in the
// agent's colour with its name and counts on a plate; its running tasks stand on it, its queued tasks
// wait in line in front of it.
import { CreateCylinder, CreateTorus, StandardMaterial, TransformNode, Vector3 } from '@babylonjs/core/pure';
import { agentColor, agentHex, css, platform } from './palette.js';
import { card, disposeLabel, labelPlane, setText, text } from './labels.js';

export const platformRadius = 2.3;
const podSpacing = 1.5;
export const podsPerRow = 3;

export class Station {
  constructor(scene, world, agent) {
    this.agent = agent;
    this.root = new TransformNode(`station:${agent}`, scene);
    this.root.parent = world;
    const color = agentColor(agent);

    const base = CreateCylinder(`station:${agent}:base`, { diameter: platformRadius * 2, height: 0.16, tessellation: 48 }, scene);
    base.position.y = 0.08;
    base.parent = this.root;
    base.isPickable = false;
    const baseMaterial = new StandardMaterial(`station:${agent}:base`, scene);
    baseMaterial.diffuseColor = platform;
    baseMaterial.specularColor = platform.scale(0.4);
    base.material = baseMaterial;

    const rim = CreateTorus(`station:${agent}:rim`, { diameter: platformRadius * 2, thickness: 0.07, tessellation: 64 }, scene);
    rim.position.y = 0.16;
    rim.parent = this.root;
    rim.isPickable = false;
    const rimMaterial = new StandardMaterial(`station:${agent}:rim`, scene);
    rimMaterial.disableLighting = true;
    rimMaterial.emissiveColor = color;
    rim.material = rimMaterial;
    this.rimMaterial = rimMaterial;
    this.color = color;

    // The plate: the agent's name and what it is doing, at the platform's front edge.
    const { plane, texture } = labelPlane(`station:${agent}:plate`, scene, 2.4, 0.72);
        plane.parent = this.root;
    plane.position.set(0, 0.5, -platformRadius - 0.05);
    const background = card({ border: agentHex(agent), thickness: 4, radius: 26 });
    texture.addControl(background);
    this.name = text(agent.toUpperCase(), { size: 92, weight: 'bold', color: agentHex(agent), align: 'center' });
    this.name.top = '-44px';
    this.counts = text('idle', { size: 64, color: css.muted, align: 'center' });
    this.counts.top = '58px';
    background.addControl(this.name);
    background.addControl(this.counts);
    this.plate = { plane, texture };
    this.meshes = [base, rim];
  }

  /** Where the station is in its world. */
  get position() {
    return this.root.position;
  }

  /** Where the index-th of count running tasks stands, in the world's space. */
  podPosition(index, count) {
    const row = Math.floor(index / podsPerRow);
    const inRow = Math.min(podsPerRow, count - row * podsPerRow);
    const column = index % podsPerRow;
    const x = (column - (inRow - 1) / 2) * podSpacing;
    return new Vector3(this.position.x + x, 0.16, this.position.z + row * podSpacing * 0.85);
  }

  /** Where the index-th queued task waits: in line in front of the plate. */
  queuePosition(index) {
    return new Vector3(this.position.x + (index % 2 === 0 ? -0.8 : 0.8), 0, this.position.z - platformRadius - 1.0 - Math.floor(index / 2) * 0.8);
  }

  setCounts(running, queued) {
    // The rim glows while the agent works, and dims when it is idle.
    this.rimMaterial.emissiveColor = running ? this.color : this.color.scale(0.45);
    const parts = [];
    if (running) parts.push(`${running} running`);
    if (queued) parts.push(`${queued} queued`);
    setText(this.counts, parts.length ? parts.join(' · ') : 'idle');
  }

  dispose() {
    disposeLabel(this.plate);
    for (const mesh of this.meshes) {
      mesh.material?.dispose();
      mesh.dispose();
    }
    this.root.dispose();
  }
}
