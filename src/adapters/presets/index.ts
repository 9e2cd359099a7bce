/**
 * CLI-agent presets: ready `exec` configurations for codex, claude, gemini, copilot and aider, each
 * an adapter of its own name (`adapter: codex`) in experiments and workflows alike.
 */
import type { Preset } from './common.js';
import { aiderPreset } from './aider.js';
import { claudePreset } from './claude.js';
import { codexPreset } from './codex.js';
import { copilotPreset } from './copilot.js';
import { geminiPreset } from './gemini.js';

export const PRESETS: readonly Preset[] = [codexPreset, claudePreset, geminiPreset, copilotPreset, aiderPreset] as unknown as Preset[];
export { checkProgram, findProgram } from './common.js';
export type { Preset, PresetBuild } from './common.js';
export { parseCodex, codexError } from './codex.js';
export { parseClaude, claudeError } from './claude.js';
export { parseGemini, geminiError } from './gemini.js';
export { parseCopilot, copilotError } from './copilot.js';
export { parseAider } from './aider.js';
