// Colours of the scene, in one place. The 2D page's palette, on a dark floor.
import { Color3, Color4 } from '@babylonjs/core/pure';

export const font = 'Inter, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif';

export const css = {
  text: '#e2e8f0',
  muted: '#94a3b8',
  card: '#111827ee',
  cardBorder: '#334155',
  success: '#22c55e',
  danger: '#ef4444',
  warning: '#f59e0b',
  info: '#818cf8',
};

export const background = Color4.FromHexString('#0b1120ff');
export const floor = Color3.FromHexString('#111a2e');
export const floorLine = '#1f2a44';
export const platform = Color3.FromHexString('#1e293b');
export const track = Color3.FromHexString('#273449');
export const shelf = Color3.FromHexString('#1a2438');
export const completed = Color3.FromHexString(css.success);
export const failed = Color3.FromHexString(css.danger);
export const queued = Color3.FromHexString('#64748b');

// One colour per agent: the two the server runs first, then any other source by its name.
const known = { indexer: '#818cf8', searcher: '#22d3ee' };
const others = ['#f472b6', '#a3e635', '#fb923c', '#c084fc', '#facc15', '#2dd4bf'];

/** The colour of an agent's station, its tasks and their progress, as '#rrggbb'. */
export function agentHex(agent) {
  if (known[agent]) return known[agent];
  let hash = 0;
  for (const c of agent) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return others[Math.abs(hash) % others.length];
}

export const agentColor = agent => Color3.FromHexString(agentHex(agent));

/** The colour of a connection state's sign. */
export function statusHex(state) {
  switch (state) {
    case 'connected': return css.success;
    case 'disconnected': case 'closed': return css.danger;
    default: return css.warning;
  }
}

export const levelHex = level => level === 'success' ? css.success : level === 'error' ? css.danger : css.info;
