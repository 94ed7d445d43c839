// Text in the scene: Babylon GUI textures on planes. Every label is rasterized once and again only when
// its text changes.
import { CreatePlane, Mesh } from '@babylonjs/core/pure';
import { AdvancedDynamicTexture, Control, Rectangle, StackPanel, TextBlock, TextWrapping } from '@babylonjs/gui/pure';
import { css, font } from './palette.js';

const pixelsPerUnit = 360;

/** A plane of width × height scene units carrying a GUI texture; faces the camera when billboard. */
export function labelPlane(name, scene, width, height, { billboard = true, density = pixelsPerUnit } = {}) {
  const plane = CreatePlane(name, { width, height }, scene);
  plane.isPickable = false;
  if (billboard) plane.billboardMode = Mesh.BILLBOARDMODE_ALL;
  const texture = AdvancedDynamicTexture.CreateForMesh(plane, Math.round(width * density), Math.round(height * density), false);
  texture.premulAlpha = false;
  return { plane, texture };
}

/** Disposes a label made by labelPlane: its texture (and the observers it keeps), material and plane. */
export function disposeLabel(label) {
  label.texture.dispose();
  label.plane.material?.dispose();
  label.plane.dispose();
}

export function text(value, { size = 28, color = css.text, weight = 'normal', align = 'left', wrap = TextWrapping.Ellipsis, height } = {}) {
  const block = new TextBlock();
  block.text = value;
  block.fontFamily = font;
  block.fontSize = size;
  block.fontWeight = weight;
  block.color = color;
  block.textWrapping = wrap;
  block.textHorizontalAlignment = align === 'right' ? Control.HORIZONTAL_ALIGNMENT_RIGHT
    : align === 'center' ? Control.HORIZONTAL_ALIGNMENT_CENTER : Control.HORIZONTAL_ALIGNMENT_LEFT;
  block.height = height ?? `${Math.round(size * 1.35)}px`;
  return block;
}

export function card({ background = css.card, border = css.cardBorder, radius = 18, thickness = 2 } = {}) {
  const rect = new Rectangle();
  rect.background = background;
  rect.color = border;
  rect.thickness = thickness;
  rect.cornerRadius = radius;
  return rect;
}

export function stack({ vertical = true, padding = 0 } = {}) {
  const panel = new StackPanel();
  panel.isVertical = vertical;
  panel.paddingLeft = padding;
  panel.paddingRight = padding;
  return panel;
}

/** Sets a text only when it differs, so an unchanged label is not rasterized again. */
export function setText(block, value) {
  if (block.text !== value) block.text = value;
}

export function setColor(control, value) {
  if (control.color !== value) control.color = value;
}

export function setBackground(control, value) {
  if (control.background !== value) control.background = value;
}
